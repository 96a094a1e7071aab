// Clang thread-safety annotations (-Wthread-safety). Under other compilers they expand to
// nothing. Shared state names the mutex that guards it, and clang proves every access holds it.
#pragma once

#if defined(__clang__)
#define UNPACKD_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define UNPACKD_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) UNPACKD_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY UNPACKD_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) UNPACKD_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) UNPACKD_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) UNPACKD_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) UNPACKD_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) UNPACKD_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define EXCLUDES(...) UNPACKD_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS UNPACKD_THREAD_ANNOTATION(no_thread_safety_analysis)
