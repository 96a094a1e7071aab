// LocalWatcher: the embedded default's event source. It watches every folder of a local store
// (store/local: buckets are the root's folders) with inotify and turns each file that was
// closed after writing, or moved in, into an "object created" event, exactly as S3 would send
// for a PUT. A file still being written is not an event until it is closed.
//
// inotify keeps nothing while the service is down, so Run first watches every folder and then
// offers every file already there: an archive dropped during a restart is found, and one
// already extracted is folded by the job store (same ETag: a duplicate). unpackd's own files
// (sidecars, temp files, manifests: segments starting ".unpackd") are never watched.
//
// Thread safety: Run on one thread; Stop from any thread.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "serve/event_intake.h"
#include "serve/service_log.h"
#include "util/unique_fd.h"

namespace unpackd {

class LocalWatcher {
 public:
  // Borrows everything. Throws Error(kIo) when inotify cannot start (the message names the
  // limit to raise when it is fs.inotify.max_user_instances).
  LocalWatcher(std::filesystem::path root, EventIntake& intake, ServiceLog& log);
  LocalWatcher(const LocalWatcher&) = delete;
  LocalWatcher& operator=(const LocalWatcher&) = delete;

  // Watches, offers what is already there, then offers each new file until Stop. A failed
  // offer (job store unavailable) is retried by rescanning; nothing here throws.
  void Run();
  // Makes Run return soon. Idempotent.
  void Stop();

 private:
  // Watches `dir` (relative to root; "" is root) and every folder below it, then offers the
  // files found in them.
  void WatchTree(const std::string& dir);
  void HandleEvents();
  // Offers root/<relative> as an event for bucket/key; false if it must be tried again.
  bool OfferFile(const std::string& relative);

  const std::filesystem::path root_;
  EventIntake& intake_;
  ServiceLog& log_;
  UniqueFd inotify_;
  UniqueFd stop_;                       // an eventfd: Stop writes, Run's poll wakes
  std::map<int, std::string> folders_;  // watch descriptor -> folder relative to root
  bool rescan_ = false;                 // the queue overflowed or an offer failed
};

}  // namespace unpackd
