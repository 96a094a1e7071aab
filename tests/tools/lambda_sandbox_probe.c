/* A stand-in `bootstrap` for tests/tools/test_lambda_package.sh: built statically (no shell or
 * library exists inside the sandbox), it reports what run_lambda_package.sh's sandbox looks
 * like from inside, one "name=value" line each, then its environment (and with PROBE_SLEEP_SECONDS
 * set, stays that long), so the test can check the isolation and the Lambda-like environment
 * without the real runtime. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char** environ;

static const char* exists(const char* path) {
  struct stat st;
  return stat(path, &st) == 0 ? "yes" : "no";
}

static const char* writable(const char* dir) {
  char path[256];
  snprintf(path, sizeof path, "%s/.probe", dir);
  FILE* f = fopen(path, "w");
  if (f == NULL) return "no";
  fclose(f);
  unlink(path);
  return "yes";
}

int main(int argc, char** argv) {
  (void)argc;
  printf("argv0=%s\n", argv[0]);
  printf("uid=%d\n", (int)getuid());
  const char* paths[] = {"/usr",
                         "/lib",
                         "/lib64",
                         "/bin",
                         "/etc/passwd",
                         "/etc/hosts",
                         "/etc/mime.types",
                         "/proc/self",
                         "/dev/null",
                         "/var/task/bootstrap",
                         "/var/task/mime.types"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; ++i)
    printf("exists:%s=%s\n", paths[i], exists(paths[i]));
  printf("writable:/tmp=%s\n", writable("/tmp"));
  printf("writable:/var/task=%s\n", writable("/var/task"));
  for (char** e = environ; *e != NULL; ++e) printf("env:%s\n", *e);
  fflush(stdout);
  /* PROBE_SLEEP_SECONDS: stay, so a test can kill the runner while its sandbox runs. */
  const char* nap = getenv("PROBE_SLEEP_SECONDS");
  if (nap != NULL) sleep((unsigned)atoi(nap));
  return 0;
}
