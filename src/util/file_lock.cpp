#include "rwkvq/util/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "rwkvq/core/error.h"

namespace rwkvq {

FileLock::FileLock(const std::filesystem::path& lock_file, Mode mode) {
  fd_ = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0 && (errno == EACCES || errno == EROFS) && mode == Mode::Shared)
    fd_ = ::open(lock_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0)
    throw InputError(lock_file.string() + ": cannot open lock file: " + std::strerror(errno));
  const int op = mode == Mode::Shared ? LOCK_SH : LOCK_EX;
  while (::flock(fd_, op) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw InputError(lock_file.string() + ": cannot lock: " + std::strerror(err));
  }
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

FileLock::~FileLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

}  // namespace rwkvq
