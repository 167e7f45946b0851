#pragma once
// An advisory flock(2) on a lock file (created when missing), held for the object's lifetime.
// Shared for readers, exclusive for writers. The lock file itself is never removed: removing it
// would let two processes lock two different inodes.
#include <filesystem>

namespace rwkvq {

class FileLock {
 public:
  enum class Mode { Shared, Exclusive };
  // Blocks until the lock is granted. Throws InputError when the lock file cannot be opened.
  FileLock(const std::filesystem::path& lock_file, Mode mode);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace rwkvq
