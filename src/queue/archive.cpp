// The archive of finished requests: see include/rwkvq/queue/archive.h.
#include "rwkvq/queue/archive.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "rwkvq/core/error.h"
#include "rwkvq/util/atomic_file.h"

namespace rwkvq::queue {

namespace fs = std::filesystem;

namespace {
[[noreturn]] void fail(const fs::path& file, const std::string& what, int err) {
  throw InputError(file.string() + ": " + what + ": " + std::strerror(err));
}
}  // namespace

void warn_once(const std::string& warning) {
  static std::set<std::string> said;
  if (said.insert(warning).second) spdlog::warn("{}", warning);
}

fs::path archive_path(const fs::path& queue_file) {
  auto p = queue_file;
  if (p.extension() == ".json") p.replace_extension();
  p += ".archive.jsonl";
  return p;
}

namespace {
// The archive's lines, one at a time, as parse_archive reads them: a later line with the same id
// replaces an earlier one; blank lines are skipped; a line that is not a request throws, unless it
// is the incomplete last one (a warning).
class LineReader {
 public:
  LineReader(Archive& a, const std::string& path, int line, std::size_t expected_bytes) : a_(a), path_(path), line_(line) {
    // A request line is ~1 KB: reserved, the requests are not moved as the vector grows.
    a_.requests.reserve(expected_bytes / 1024 + 1);
    index_.reserve(expected_bytes / 1024 + 1);
  }
  void line(std::string_view body, bool complete) {
    const bool blank = body.find_first_not_of(" \t\r") == std::string_view::npos;
    if (!blank) {
      try {
        Entry e = parse_request(body, path_, line_);
        if (auto it = index_.find(e.id); it != index_.end()) {
          a_.requests[it->second] = std::move(e);
        } else {
          index_.emplace(e.id, a_.requests.size());
          a_.requests.push_back(std::move(e));
        }
      } catch (const InputError& err) {
        if (complete) throw;
        a_.warnings.push_back(path_ + ":" + std::to_string(line_) +
                              ": incomplete last line (a change was interrupted while archiving): skipped; its "
                              "request is still in the queue, and the next change cuts the line");
      }
    }
    ++line_;
  }

 private:
  Archive& a_;
  const std::string& path_;
  int line_;
  std::unordered_map<std::string, std::size_t> index_;
};
}  // namespace

Archive parse_archive(std::string_view text, const std::string& path, std::size_t from) {
  Archive a;
  if (from > text.size() || (from > 0 && text[from - 1] != '\n')) from = 0;
  int line = 1;
  for (std::size_t i = 0; i < from; ++i) line += text[i] == '\n';
  LineReader lines(a, path, line, text.size() - from);
  std::size_t pos = from;
  a.complete = from;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const bool complete = nl != std::string_view::npos;
    lines.line(text.substr(pos, (complete ? nl : text.size()) - pos), complete);
    if (!complete) break;
    pos = nl + 1;
    a.complete = pos;
  }
  return a;
}

Archive read_archive(const fs::path& queue_file) {
  Archive a = load_archive(queue_file);
  for (const auto& w : a.warnings) warn_once(w);
  return a;
}

Archive load_archive(const fs::path& queue_file) {
  // Read a piece at a time into one buffer rather than whole: for `list --all` of a 10 000-request
  // archive (11 MB), the kernel zeroing fresh pages for the whole text cost more than reading it.
  const auto file = archive_path(queue_file);
  const std::string path = file.string();
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return Archive{};
    fail(file, "cannot open", errno);
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) throw InputError(path + ": not a regular file");
  Archive a;
  LineReader lines(a, path, 1, static_cast<std::size_t>(st.st_size));
  std::string buf(std::size_t{1} << 20, '\0');
  // buf[start, filled) is the unread rest of the file read so far, from the start of a line, with
  // no newline in [start, searched); buf[0] is byte `offset` of the file.
  std::size_t start = 0, searched = 0, filled = 0, offset = 0;
  for (;;) {
    while (const void* found = std::memchr(buf.data() + searched, '\n', filled - searched)) {
      const auto nl = static_cast<std::size_t>(static_cast<const char*>(found) - buf.data());
      lines.line(std::string_view(buf.data() + start, nl - start), true);
      start = searched = nl + 1;
      a.complete = offset + start;
    }
    searched = filled;
    if (start > 0) {  // the partial line to the front
      std::memmove(buf.data(), buf.data() + start, filled - start);
      offset += start;
      filled -= start;
      searched -= start;
      start = 0;
    }
    if (filled == buf.size()) buf.resize(buf.size() * 2);  // a line longer than the buffer
    const ssize_t n = ::read(fd, buf.data() + filled, buf.size() - filled);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(file, "cannot read", errno);
    }
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
  }
  if (start < filled) lines.line(std::string_view(buf.data() + start, filled - start), false);
  return a;
}

std::optional<Entry> find_in_archive(std::string_view text, std::string_view id, const std::string& path) {
  std::string needle = "\"";
  needle += id;
  needle += '"';
  std::optional<Entry> found;
  int line = 1;
  std::size_t counted = 0;  // newlines counted up to here
  std::size_t pos = 0;
  while ((pos = text.find(needle, pos)) != std::string_view::npos) {
    const std::size_t begin = pos == 0 ? 0 : text.rfind('\n', pos - 1) + 1;  // npos + 1 == 0
    const std::size_t nl = text.find('\n', pos);
    const bool complete = nl != std::string_view::npos;
    const std::size_t end = complete ? nl : text.size();
    line += static_cast<int>(std::count(text.begin() + static_cast<std::ptrdiff_t>(counted),
                                        text.begin() + static_cast<std::ptrdiff_t>(begin), '\n'));
    counted = begin;
    try {
      Entry e = parse_request(text.substr(begin, end - begin), path, line);
      if (e.id == id) found = std::move(e);
    } catch (const InputError&) {
      if (complete) throw;  // an incomplete last line: skipped, as parse_archive does
    }
    if (!complete) break;
    pos = end + 1;
  }
  return found;
}

std::optional<Entry> find_archived(const fs::path& queue_file, std::string_view id) {
  const auto file = archive_path(queue_file);
  const auto text = read_file_if_exists(file);
  if (!text) return std::nullopt;
  return find_in_archive(*text, id, file.string());
}

std::optional<ArchiveTail> read_archive_tail(const fs::path& queue_file, long long from) {
  const auto file = archive_path(queue_file);
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT && from == 0) return ArchiveTail{};
    if (errno == ENOENT) return std::nullopt;
    fail(file, "cannot open the archive", errno);
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(file, "cannot read the archive", errno);
  if (!S_ISREG(st.st_mode)) throw InputError(file.string() + ": not a regular file");
  if (from < 0 || st.st_size < from) return std::nullopt;
  const long long start = from > static_cast<long long>(kTailContext) ? from - static_cast<long long>(kTailContext) : 0;
  ArchiveTail t;
  t.offset = static_cast<std::size_t>(from - start);
  t.text.resize(static_cast<std::size_t>(st.st_size - start));
  std::size_t done = 0;
  while (done < t.text.size()) {
    const ssize_t n = ::pread(fd, t.text.data() + done, t.text.size() - done, start + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(file, "cannot read the archive", errno);
    if (n == 0) break;  // shrank while read: what was read
    done += static_cast<std::size_t>(n);
  }
  t.text.resize(done);
  return t;
}

std::size_t resolve_archive_tail(Queue& q, std::string_view text, const std::string& path) {
  const auto recorded = static_cast<std::size_t>(q.archive_bytes);
  if (text.size() < recorded) {
    spdlog::warn("{}: {} bytes, but the queue was written with {}: finished requests may be missing from it",
                 path, text.size(), recorded);
    return 0;
  }
  if (text.size() == recorded) return 0;
  const Archive tail = parse_archive(text, path, recorded);
  for (const auto& w : tail.warnings) warn_once(w);
  if (tail.requests.empty()) return 0;
  std::set<std::string> ids;
  for (const auto& e : tail.requests) ids.insert(e.id);
  const auto before = q.requests.size();
  std::erase_if(q.requests, [&](const Entry& e) { return ids.count(e.id) > 0; });
  return before - q.requests.size();
}

long long append_to_archive(const fs::path& archive, const std::vector<const Entry*>& entries) {
  std::error_code ec;
  const bool existed = fs::exists(archive, ec);
  const int fd = ::open(archive.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) fail(archive, "cannot open the archive", errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(archive, "cannot read the archive", errno);
  if (!S_ISREG(st.st_mode)) throw InputError(archive.string() + ": not a regular file");
  off_t size = st.st_size;
  // An incomplete last line (an append that was interrupted): cut it.
  if (size > 0) {
    off_t cut = size;
    char buf[4096];
    bool found = false;
    while (cut > 0 && !found) {
      const off_t start = cut >= static_cast<off_t>(sizeof buf) ? cut - static_cast<off_t>(sizeof buf) : 0;
      const auto len = static_cast<std::size_t>(cut - start);
      if (::pread(fd, buf, len, start) != static_cast<ssize_t>(len)) fail(archive, "cannot read the archive", errno);
      for (std::size_t k = len; k > 0; --k)
        if (buf[k - 1] == '\n') {
          cut = start + static_cast<off_t>(k);
          found = true;
          break;
        }
      if (!found) cut = start;
    }
    if (cut != size) {
      spdlog::warn("{}: cutting an incomplete last line of {} bytes (an interrupted change; its request is "
                   "still in the queue)",
                   archive.string(), static_cast<long long>(size - cut));
      if (::ftruncate(fd, cut) != 0) fail(archive, "cannot repair the archive", errno);
      size = cut;
    }
  }
  std::string text;
  for (const Entry* e : entries) {
    text += request_line(*e);
    text += '\n';
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::pwrite(fd, text.data() + done, text.size() - done, size + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(archive, "cannot append to the archive", errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if ((!text.empty() || size != st.st_size) && ::fsync(fd) != 0) fail(archive, "cannot sync the archive", errno);
  if (!existed) {
    const auto dir = archive.parent_path().empty() ? fs::path(".") : archive.parent_path();
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      (void)::fsync(dfd);
      ::close(dfd);
    }
  }
  return static_cast<long long>(size) + static_cast<long long>(text.size());
}

Queue with_archive(Queue active, Archive archived) {
  // The active ids as views: the active requests do not move while they are looked up (the
  // vector grows only after), and each archived request is moved once.
  std::unordered_set<std::string_view> ids;
  ids.reserve(active.requests.size());
  for (const auto& e : active.requests) ids.insert(e.id);
  std::vector<Entry*> extra;
  extra.reserve(archived.requests.size());
  for (auto& e : archived.requests)
    if (!ids.count(e.id)) extra.push_back(&e);
  ids.clear();
  active.requests.reserve(active.requests.size() + extra.size());
  for (Entry* e : extra) active.requests.push_back(std::move(*e));
  return active;
}

}  // namespace rwkvq::queue
