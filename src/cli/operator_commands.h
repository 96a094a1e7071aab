// What the operator commands (`unpackd jobs`, `unpackd notifications`) share: how they open
// the service's store and how they print times and JSON, so both read alike.
//
// Thread safety: plain functions; the printers write to stdout.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "jobs/job_store.h"

namespace unpackd {

// The store in `state_dir` (empty: DefaultStateDir()), opened for operators: no lock, no
// recovery, so it works beside a running service (JobStore::OpenForOperator). Throws
// Error(kNotFound, "job-store") when there is none.
std::unique_ptr<JobStore> OpenOperatorStore(const std::string& state_dir);

// Unix time now, milliseconds (what the service writes into the store).
int64_t OperatorNowMs();

// "2024-05-01T12:00:00Z" (UTC); "-" for 0.
std::string TimeText(int64_t ms);

// How long ago `ms` was at `now_ms`, coarsely: "42s", "17m", "5h", "3d"; "-" for 0.
std::string AgeText(int64_t ms, int64_t now_ms);

// `json` on stdout, indented; invalid UTF-8 (a key's raw bytes) replaced, never thrown on.
void PrintJson(const nlohmann::json& json);

// `text` parsed as JSON when it is JSON (a summary or payload the service wrote), else the
// text itself as a JSON string.
nlohmann::json JsonOrText(const std::string& text);

}  // namespace unpackd
