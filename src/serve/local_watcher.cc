#include "serve/local_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "util/error.h"

namespace unpackd {

namespace {

constexpr int kGatherMilliseconds = 20;

constexpr uint32_t kFolderMask =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

// unpackd's own files in a local store: sidecars, temp files, manifests.
bool IsReserved(std::string_view name) { return name.starts_with(".unpackd"); }

// "#<inode>": how the kernel names a file opened with O_TMPFILE (the local store writes every
// object so, then links it into place) when it reports that file closed. No such name exists:
// the object's own name is reported when it is linked.
bool IsUnnamedTempFile(std::string_view name) {
  return name.size() > 1 && name.front() == '#' &&
         name.find_first_not_of("0123456789", 1) == std::string_view::npos;
}

std::string Join(const std::string& dir, std::string_view name) {
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

}  // namespace

LocalWatcher::LocalWatcher(std::filesystem::path root, EventIntake& intake, ServiceLog& log)
    : root_(std::move(root)),
      intake_(intake),
      log_(log),
      inotify_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)),
      stop_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!inotify_.valid() || !stop_.valid()) {
    throw Error(ErrorKind::kIo,
                std::string("cannot watch ") + root_.string() + ": " + std::strerror(errno) +
                    (errno == EMFILE ? " (raise fs.inotify.max_user_instances)" : ""),
                "watch-failed");
  }
}

void LocalWatcher::Stop() {
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = write(stop_.get(), &one, sizeof one);
}

void LocalWatcher::Run() {
  log_.Write("info", "watching local store", {{"root", root_.string()}});
  WatchTree("");
  std::array<pollfd, 2> fds = {pollfd{inotify_.get(), POLLIN, 0}, pollfd{stop_.get(), POLLIN, 0}};
  for (;;) {
    // A failed offer is retried by a rescan a little later rather than in a tight loop.
    const int ready = poll(fds.data(), fds.size(), rescan_ ? 1000 : -1);
    if (ready < 0 && errno != EINTR) {
      log_.Write("error", "local store watcher stopped", {{"error", std::strerror(errno)}});
      return;
    }
    if (fds[1].revents & POLLIN) return;
    if (fds[0].revents & POLLIN) {
      // Events come in bursts: an extraction beside a watched archive links thousands of
      // objects, each an event. Gathering them for a moment makes one wake-up per burst out
      // of one per event, which took CPU from the extraction itself (bench/serve_overhead.py).
      pollfd stop = {stop_.get(), POLLIN, 0};
      if (poll(&stop, 1, kGatherMilliseconds) > 0) return;
      HandleEvents();
    }
    if (rescan_ && (ready == 0 || (fds[0].revents & POLLIN) == 0)) {
      rescan_ = false;
      WatchTree("");
    }
  }
}

void LocalWatcher::WatchTree(const std::string& dir) {
  const std::filesystem::path base = dir.empty() ? root_ : root_ / dir;
  const int wd = inotify_add_watch(inotify_.get(), base.c_str(), kFolderMask);
  if (wd < 0) {
    log_.Write("warn", "cannot watch a folder",
               {{"folder", base.string()},
                {"error", std::strerror(errno)},
                {"hint", errno == ENOSPC ? "raise fs.inotify.max_user_watches" : ""}});
    return;
  }
  folders_[wd] = dir;
  std::error_code ec;
  std::vector<std::string> files, folders;
  for (std::filesystem::directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (IsReserved(name)) continue;
    std::error_code type_ec;
    if (it->is_directory(type_ec)) {
      folders.push_back(Join(dir, name));
    } else if (it->is_regular_file(type_ec) && !dir.empty()) {  // root's files have no bucket
      files.push_back(Join(dir, name));
    }
  }
  for (const auto& file : files) {
    if (!OfferFile(file)) rescan_ = true;
  }
  for (const auto& folder : folders) WatchTree(folder);
}

void LocalWatcher::HandleEvents() {
  alignas(inotify_event) std::array<char, 64 * 1024> buffer;
  for (;;) {
    const ssize_t n = read(inotify_.get(), buffer.data(), buffer.size());
    if (n <= 0) return;  // EAGAIN: drained
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      if (event->mask & IN_Q_OVERFLOW) {
        log_.Write("warn", "inotify queue overflowed; rescanning the store");
        rescan_ = true;
        continue;
      }
      const auto folder = folders_.find(event->wd);
      if (folder == folders_.end()) continue;
      if (event->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
        if (event->mask & IN_IGNORED) folders_.erase(folder);
        continue;
      }
      const std::string_view name(event->name);
      if (event->len == 0 || IsReserved(name)) continue;
      const std::string relative = Join(folder->second, name);
      if (event->mask & IN_ISDIR) {
        if (event->mask & (IN_CREATE | IN_MOVED_TO)) WatchTree(relative);
      } else if ((event->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) && !folder->second.empty()) {
        std::error_code ec;
        if (IsUnnamedTempFile(name) && !std::filesystem::exists(root_ / relative, ec)) continue;
        if (!OfferFile(relative)) rescan_ = true;
      }
    }
  }
}

bool LocalWatcher::OfferFile(const std::string& relative) {
  const size_t slash = relative.find('/');
  ObjectEvent event;
  event.bucket = relative.substr(0, slash);
  event.key = relative.substr(slash + 1);
  event.event_name = "ObjectCreated:Put";
  event.origin = kLocalOrigin;
  try {
    intake_.Offer(event);  // which asks the store for the ETag that names this version
    return true;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kUsage) return true;  // a name no store key can have
    log_.Write("warn", "could not record an event; will rescan",
               {{"bucket", event.bucket}, {"key", event.key}, {"error", e.what()}});
    return false;
  }
}

}  // namespace unpackd
