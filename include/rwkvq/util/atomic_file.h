#pragma once
// Crash-safe file replacement: the new contents go to a temporary file in the same folder, are
// fsync'ed, renamed over the target, and the folder is fsync'ed. A reader sees the old file or
// the new one, never a mix; a process killed mid-write leaves the old file intact.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace rwkvq {

// Prefix of the temporary files write_file_atomic() creates beside `file`
// (".<name>.tmp-"), so that a writer holding the lock can remove stale ones.
std::string atomic_temp_prefix(const std::filesystem::path& file);

// Replaces `file` with `contents` atomically (creates it when missing; the parent folder must
// exist). Throws InputError naming the file and the system error on failure; on failure the
// old file is untouched and the temporary file removed.
void write_file_atomic(const std::filesystem::path& file, std::string_view contents);

// Removes temporary files left beside `file` by writers that were killed mid-write. Call only
// while holding the exclusive lock that every writer of `file` takes. Returns how many.
int remove_stale_temps(const std::filesystem::path& file);

// The whole file; nullopt when it does not exist. Throws InputError on any other failure.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& file);

}  // namespace rwkvq
