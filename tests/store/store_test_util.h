// Helpers the store tests share: bytes from text, catching an expected Error, whole-object
// writes and reads through the ObjectStore interface, and looking at a folder tree on disk.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/object_store.h"
#include "util/error.h"

namespace unpackd::testing {

inline std::span<const std::byte> Bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

// Runs `fn` and returns the Error it throws; fails the test if it does not throw one.
template <typename Fn>
Error Catch(Fn&& fn) {
  try {
    fn();
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "expected unpackd::Error";
  return Error(ErrorKind::kInternal, "no error thrown");
}

inline WriteOptions Typed(std::string content_type) {
  WriteOptions options;
  options.content_type = std::move(content_type);
  return options;
}

// Writes `content` as the object `ref` in one Append and commits it.
inline ObjectInfo Put(ObjectStore& store, const ObjectRef& ref, std::string_view content,
                      const WriteOptions& options = {}) {
  auto writer = store.NewWriter(ref, options);
  writer->Append(Bytes(content));
  return writer->Commit();
}

// The whole object, in one ReadAt (which must return all of it).
inline std::string ReadAll(RandomAccessObject& reader) {
  std::string out(reader.info().size, '\0');
  const size_t n = reader.ReadAt(0, std::as_writable_bytes(std::span(out.data(), out.size())));
  EXPECT_EQ(n, out.size());
  return out;
}

inline std::string Get(ObjectStore& store, const ObjectRef& ref) {
  return ReadAll(*store.OpenForRead(ref));
}

// The keys List visits in `bucket` under `prefix`, in its order.
inline std::vector<std::string> ListKeys(ObjectStore& store, const std::string& bucket,
                                         const std::string& prefix) {
  std::vector<std::string> keys;
  store.List(bucket, prefix, [&](const ListEntry& entry) {
    keys.push_back(entry.key);
    return true;
  });
  return keys;
}

// Base of fixtures that test one store through its bucket "b": the derived fixture sets
// `store_`; Put, Get and ListKeys work on "b" (ListKeys on another bucket if asked).
template <typename Base = ::testing::Test>
class OneBucketTest : public Base {
 protected:
  ObjectInfo Put(const std::string& key, std::string_view content, WriteOptions options = {}) {
    return testing::Put(*store_, {"b", key}, content, options);
  }

  std::string Get(const std::string& key) { return testing::Get(*store_, {"b", key}); }

  std::vector<std::string> ListKeys(const std::string& prefix, const std::string& bucket = "b") {
    return testing::ListKeys(*store_, bucket, prefix);
  }

  std::unique_ptr<ObjectStore> store_;
};

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteFile(const std::filesystem::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// Every entry below `dir`, recursively, as sorted paths relative to it.
inline std::vector<std::string> Tree(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    out.push_back(std::filesystem::relative(entry.path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace unpackd::testing
