#pragma once
// The archive of finished requests (issue 12): beside the queue file, append-only,
// queue.json -> queue.archive.jsonl, one finished request (done, rejected, cancelled: !is_active)
// per line, each line the request as queue.json writes it (request_line).
//
// Every change that finishes a request moves it there, under the queue's exclusive lock and in
// this order: the line is appended to the archive and fsync'ed, then queue.json is replaced
// atomically without it, recording the archive's new size (Queue::archive_bytes). So a change
// killed in between leaves the request in both: the archive's tail beyond archive_bytes names
// it, the archive's copy wins (it is the newer one) and the next write drops it from queue.json.
// A change killed mid-append leaves an incomplete last line: readers warn and skip it (its
// request is still in queue.json), the next write cuts it. Requests a finished state cannot
// leave (every action on a done, rejected or cancelled request is refused), so the archive is
// never rewritten; the cost of a change follows the active queue, not all history.
//
// Only what needs history reads the archive: `queue list --all`, `show` of a finished request,
// `log`, and learning hours when there is no learned summary to read (learn.h).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rwkvq/queue/document.h"

namespace rwkvq::queue {

// Logs a warning about the archive (an incomplete last line …) once per process: a command may
// read the archive more than once (its tail with the queue, then all of it to learn).
void warn_once(const std::string& warning);

// queue.json -> queue.archive.jsonl (beside it).
std::filesystem::path archive_path(const std::filesystem::path& queue_file);

struct Archive {
  std::vector<Entry> requests;        // in file order; a later line with the same id replaces an earlier one
  std::vector<std::string> warnings;  // an incomplete last line …
  std::size_t complete = 0;           // bytes up to the end of the last complete line
};

// Parses archive text from byte `from` (0, or the start of a line; anything else reads it all).
// An incomplete last line (no newline) is a warning and skipped; any other line that is not a
// request throws InputError "PATH:LINE:COL: message". Blank lines are skipped.
Archive parse_archive(std::string_view text, const std::string& path, std::size_t from = 0);

// The archive beside `queue_file` (empty when there is none), warnings logged. Takes no lock:
// the archive is only appended to, so a reader sees whole lines and at worst an incomplete last
// one. Throws InputError.
Archive read_archive(const std::filesystem::path& queue_file);
// read_archive without logging the warnings (they are in the result): safe on another thread.
Archive load_archive(const std::filesystem::path& queue_file);

// The archive beside `queue_file` from byte `from` to its end, read without what precedes it
// but its last kTailContext bytes (`text` starts there; `from` is at text[offset]). nullopt when
// the archive is shorter than `from` (or missing while `from` > 0). Throws InputError.
struct ArchiveTail {
  std::string text;
  std::size_t offset = 0;
};
inline constexpr std::size_t kTailContext = 4096;
std::optional<ArchiveTail> read_archive_tail(const std::filesystem::path& queue_file, long long from);

// The archived request `id` in archive text, without parsing the other lines: the lines that
// hold the id in quotes ("r12", as every request line does, first) are parsed and their ids
// compared exactly, so "r1" does not pick r12's line and a title quoting it is passed over;
// the last such line wins (as in parse_archive). An incomplete last line is skipped; a candidate
// line that is not a request throws InputError "PATH:LINE:COL: message".
std::optional<Entry> find_in_archive(std::string_view text, std::string_view id, const std::string& path);
// The same in the archive beside `queue_file` (nullopt when there is none).
std::optional<Entry> find_archived(const std::filesystem::path& queue_file, std::string_view id);

// The requests of `q` that the archive's tail (from q.archive_bytes to the end of `text`) holds
// are removed from q.requests (the archive's copy wins; see above). Returns how many. When the
// archive is shorter than q.archive_bytes, warns (finished requests may be missing).
std::size_t resolve_archive_tail(Queue& q, std::string_view text, const std::string& path);

// Appends one line per entry to `archive` (created when missing) and fsyncs it (and its folder
// when it was created); an incomplete last line is cut first. Call only under the queue's
// exclusive lock. Returns the archive's size afterwards. Throws InputError.
long long append_to_archive(const std::filesystem::path& archive, const std::vector<const Entry*>& entries);

// The whole history: the active queue's requests, then the archived ones it does not hold.
Queue with_archive(Queue active, Archive archived);

}  // namespace rwkvq::queue
