#include "rwkvq/util/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "rwkvq/core/error.h"

namespace rwkvq {
namespace {

[[noreturn]] void fail(const std::filesystem::path& p, const std::string& what, int err) {
  throw InputError(p.string() + ": " + what + ": " + std::strerror(err));
}

std::filesystem::path parent_of(const std::filesystem::path& file) {
  auto dir = file.parent_path();
  return dir.empty() ? std::filesystem::path(".") : dir;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::string atomic_temp_prefix(const std::filesystem::path& file) {
  return "." + file.filename().string() + ".tmp-";
}

void write_file_atomic(const std::filesystem::path& file, std::string_view contents) {
  const auto dir = parent_of(file);
  std::random_device rd;
  const std::string tmp_name = atomic_temp_prefix(file) + std::to_string(::getpid()) + "-" +
                               std::to_string(rd());
  const auto tmp = dir / tmp_name;
  // Keep the mode of the file being replaced (default 0644 minus umask).
  mode_t mode = 0644;
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0) mode = st.st_mode & 07777;

  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  // Errors name the file the user asked for; the temporary file is an implementation detail.
  if (fd < 0) fail(file, "cannot write (no temporary file in " + dir.string() + ")", errno);
  if (!write_all(fd, contents) || ::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    fail(file, "cannot write", err);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(file, "cannot write", err);
  }
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(file, "cannot replace", err);
  }
  // Make the rename itself durable.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

int remove_stale_temps(const std::filesystem::path& file) {
  const auto dir = parent_of(file);
  const std::string prefix = atomic_temp_prefix(file);
  int removed = 0;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name(e->d_name);
    if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix) {
      if (::unlink((dir / std::string(name)).c_str()) == 0) ++removed;
    }
  }
  ::closedir(d);
  return removed;
}

std::optional<std::string> read_file_if_exists(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    fail(file, "cannot open", errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError(file.string() + ": not a regular file");
  }
  // Straight into the string (no bounce buffer: a queue file can be megabytes); a file that
  // grows while it is read is read to its end.
  std::string out;
  std::size_t used = 0;
  out.resize(static_cast<std::size_t>(st.st_size) + 1);
  for (;;) {
    if (used == out.size()) out.resize(out.size() * 2 + 4096);
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      fail(file, "cannot read", err);
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  out.resize(used);
  ::close(fd);
  return out;
}

}  // namespace rwkvq
