// Safe scan of a request folder (see folder.h). Never follows a symlink, never opens anything
// outside the folder, never blocks on a FIFO.
#include "rwkvq/request/folder.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "rwkvq/core/error.h"

namespace fs = std::filesystem;

namespace rwkvq {
namespace {

constexpr int kMaxDepth = 8;              // folders below the request folder that are entered
constexpr std::size_t kMaxEntries = 10000;

// Closes a file descriptor on scope exit.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool is_within(const fs::path& root, const fs::path& p) {
  auto r = root.begin(), re = root.end();
  auto q = p.begin(), qe = p.end();
  for (; r != re; ++r, ++q) {
    if (r->empty()) continue;  // trailing separator of root
    if (q == qe || *r != *q) return false;
  }
  return true;
}

// Does a symlink at `link` (absolute, inside root) resolve outside root, or dangle? Resolved
// without opening the target: weakly_canonical only stat()s and readlink()s the path.
bool link_escapes(const fs::path& root, const fs::path& link, const fs::path& target) {
  std::error_code ec;
  fs::path joined = target.is_absolute() ? target : link.parent_path() / target;
  fs::path resolved = fs::weakly_canonical(joined, ec);
  if (ec) return true;  // symlink loop, permission problem ...
  struct stat st {};
  if (::stat(resolved.c_str(), &st) != 0) return true;  // dangles
  return !is_within(root, resolved);
}

// The text of strerror, without its buffer shared between threads (validate -j reads folders on
// several threads): libstdc++'s generic_category goes through strerror_r.
std::string errno_text(int err) { return std::generic_category().message(err); }

// Opens and reads the first bytes of a regular file, never following a symlink and never
// blocking. Returns false when open() fails.
bool probe_regular(int dirfd, const char* name, std::string& head) {
  int fd = ::openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  Fd guard(fd);
  char buf[64];  // enough for magic numbers and a Git LFS pointer's first line
  ssize_t got;
  do {
    got = ::read(fd, buf, sizeof buf);
  } while (got < 0 && errno == EINTR);
  if (got > 0) head.assign(buf, static_cast<std::size_t>(got));
  return true;
}

struct Pending {
  std::string rel;  // "" for the root
  int depth;        // 0 for the root
};

}  // namespace

const FileEntry* FolderScan::find(std::string_view rel) const {
  auto it = std::lower_bound(entries.begin(), entries.end(), rel,
                             [](const FileEntry& e, std::string_view r) { return e.rel < r; });
  if (it != entries.end() && it->rel == rel) return &*it;
  return nullptr;
}

FolderScan scan_folder(const std::string& path) {
  FolderScan scan;
  scan.display_path = path;
  if (path.empty()) throw UsageError("no request folder given");

  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT) throw UsageError(path + ": no such folder");
    throw UsageError(path + ": cannot read the folder: " + errno_text(err));
  }
  if (!S_ISDIR(st.st_mode)) throw UsageError(path + ": not a folder");

  std::error_code ec;
  scan.root = fs::canonical(path, ec);
  if (ec) throw UsageError(path + ": cannot resolve the folder: " + ec.message());

  std::vector<Pending> todo{{"", 0}};
  while (!todo.empty()) {
    Pending cur = std::move(todo.back());
    todo.pop_back();
    fs::path dir_path = cur.rel.empty() ? scan.root : scan.root / cur.rel;
    int dfd = ::open(dir_path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
      int err = errno;
      if (cur.rel.empty())
        throw UsageError(path + ": cannot list the folder: " + errno_text(err));
      for (auto& x : scan.entries)
        if (x.rel == cur.rel) x.readable = false;
      continue;
    }
    DIR* d = ::fdopendir(dfd);
    if (!d) {
      int err = errno;
      ::close(dfd);
      if (cur.rel.empty())
        throw UsageError(path + ": cannot list the folder: " + errno_text(err));
      continue;
    }
    std::vector<Pending> subdirs;
    while (dirent* de = ::readdir(d)) {
      const char* name = de->d_name;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
      if (scan.entries.size() >= kMaxEntries) {
        scan.truncated = true;
        break;
      }
      FileEntry e;
      e.rel = cur.rel.empty() ? std::string(name) : cur.rel + "/" + name;
      struct stat es {};
      if (::fstatat(dfd, name, &es, AT_SYMLINK_NOFOLLOW) != 0) {
        e.type = FileEntry::Type::Other;
        e.readable = false;
        scan.entries.push_back(std::move(e));
        continue;
      }
      if (S_ISREG(es.st_mode)) {
        e.type = FileEntry::Type::Regular;
        e.size = static_cast<std::uint64_t>(es.st_size);
        e.readable = probe_regular(dfd, name, e.head);
      } else if (S_ISDIR(es.st_mode)) {
        e.type = FileEntry::Type::Directory;
        if (cur.depth + 1 <= kMaxDepth)
          subdirs.push_back({e.rel, cur.depth + 1});
        else
          scan.truncated = true;
      } else if (S_ISLNK(es.st_mode)) {
        e.type = FileEntry::Type::Symlink;
        e.readable = false;  // never read through
        std::string buf(4096, '\0');
        ssize_t len = ::readlinkat(dfd, name, buf.data(), buf.size());
        if (len >= 0) {
          buf.resize(static_cast<std::size_t>(len));
          e.link_target = buf;
          e.link_escapes = link_escapes(scan.root, dir_path / name, fs::path(buf));
        } else {
          e.link_escapes = true;
        }
      } else if (S_ISFIFO(es.st_mode)) {
        e.type = FileEntry::Type::Fifo;
        e.readable = false;
      } else {
        e.type = FileEntry::Type::Other;
        e.readable = false;
      }
      scan.entries.push_back(std::move(e));
    }
    ::closedir(d);  // closes dfd
    for (auto& s : subdirs) todo.push_back(std::move(s));
    if (scan.truncated && scan.entries.size() >= kMaxEntries) break;
  }
  std::sort(scan.entries.begin(), scan.entries.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.rel < b.rel; });
  return scan;
}

std::optional<std::string> read_request_file(const FolderScan& scan, std::string_view rel,
                                             std::uint64_t max_bytes, std::string* why) {
  auto refuse = [&](std::string reason) -> std::optional<std::string> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  if (rel.empty()) return refuse("empty path");
  if (rel.front() == '/') return refuse("absolute path");
  std::vector<std::string> parts;
  for (std::size_t b = 0; b <= rel.size();) {
    std::size_t e = rel.find('/', b);
    if (e == std::string_view::npos) e = rel.size();
    std::string_view comp = rel.substr(b, e - b);
    if (comp == "..") return refuse("path leaves the request folder");
    if (!comp.empty() && comp != ".") parts.emplace_back(comp);
    b = e + 1;
  }
  if (parts.empty()) return refuse("not a file");

  int dfd = ::open(scan.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return refuse("cannot open the request folder: " + errno_text(errno));
  Fd dir(dfd);

  // Resolve symlinks that stay inside the folder (as the runner would follow them), textually
  // and one component at a time; a link that leaves the folder (absolute elsewhere, or too
  // many "..") is refused. The walk below then opens every component with O_NOFOLLOW, so a
  // link swapped in after this check is refused, not followed.
  {
    std::vector<std::string> todo(parts.rbegin(), parts.rend());  // back() is next
    std::vector<std::string> done;
    int hops = 0;
    bool via_link = false;
    const std::string root_str = scan.root.string();
    while (!todo.empty()) {
      std::string c = std::move(todo.back());
      todo.pop_back();
      if (c.empty() || c == ".") continue;
      if (c == "..") {
        if (done.empty()) return refuse("is a symbolic link leading outside the request folder (not followed)");
        done.pop_back();
        continue;
      }
      std::string at;
      for (const auto& d : done) at += d + "/";
      at += c;
      struct stat lst {};
      if (::fstatat(dir.fd, at.c_str(), &lst, AT_SYMLINK_NOFOLLOW) != 0) {
        done.push_back(std::move(c));  // let the open below report the error
        continue;
      }
      if (!S_ISLNK(lst.st_mode)) {
        done.push_back(std::move(c));
        continue;
      }
      if (++hops > 16) return refuse("is a symbolic link loop (not followed)");
      via_link = true;
      std::string buf(4096, '\0');
      ssize_t len = ::readlinkat(dir.fd, at.c_str(), buf.data(), buf.size());
      if (len < 0) return refuse("is a symbolic link that cannot be read");
      buf.resize(static_cast<std::size_t>(len));
      std::string_view target = buf;
      if (!target.empty() && target.front() == '/') {
        std::string_view r = root_str;
        if (target.substr(0, r.size()) != r ||
            (target.size() > r.size() && target[r.size()] != '/'))
          return refuse("is a symbolic link leading outside the request folder (not followed)");
        target.remove_prefix(r.size());
        done.clear();
      }
      std::vector<std::string> comps;
      for (std::size_t b = 0; b <= target.size();) {
        std::size_t e = target.find('/', b);
        if (e == std::string_view::npos) e = target.size();
        comps.emplace_back(target.substr(b, e - b));
        b = e + 1;
      }
      for (auto it = comps.rbegin(); it != comps.rend(); ++it) todo.push_back(*it);
    }
    if (done.empty()) return refuse("is not a file");
    if (via_link) parts = std::move(done);
  }
  // Walk the folders one component at a time so that no symlinked folder is followed.
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    int next = ::openat(dir.fd, parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) {
      int err = errno;
      if (err == ELOOP || err == ENOTDIR) return refuse(parts[i] + " is not a folder (or is a symlink)");
      return refuse(errno_text(err));
    }
    ::close(dir.fd);
    dir.fd = next;
  }
  int fd = ::openat(dir.fd, parts.back().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ELOOP) return refuse("is a symbolic link (not followed)");
    return refuse(errno_text(err));
  }
  Fd file(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return refuse(errno_text(errno));
  if (S_ISFIFO(st.st_mode)) return refuse("is a FIFO (named pipe), not a regular file");
  if (S_ISDIR(st.st_mode)) return refuse("is a folder, not a file");
  if (!S_ISREG(st.st_mode)) return refuse("is not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
    return refuse("is larger than " + std::to_string(max_bytes) + " bytes");

  std::string data;
  // One byte more than the file's size, so that the read that finds its end needs no larger
  // buffer (growing it copied every file once: 6 % of validating the corpus).
  data.resize(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t got = 0;
  for (;;) {
    if (got == data.size()) {
      if (data.size() > max_bytes) return refuse("is larger than " + std::to_string(max_bytes) + " bytes");
      data.resize(data.size() + 4096);  // the file may have grown
    }
    ssize_t r = ::read(fd, data.data() + got, data.size() - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return refuse(errno_text(errno));
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  data.resize(got);
  if (data.size() > max_bytes) return refuse("is larger than " + std::to_string(max_bytes) + " bytes");
  return data;
}

}  // namespace rwkvq
