#pragma once
// Safe scan of a request folder: lists what is there without following symlinks and without
// reading anything outside the folder. Every later read goes through read_request_file().
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rwkvq {

struct FileEntry {
  enum class Type { Regular, Directory, Symlink, Fifo, Other };
  std::string rel;  // path relative to the request folder, '/'-separated ("sub/x.bin")
  Type type = Type::Regular;
  std::uint64_t size = 0;     // bytes, regular files only
  bool readable = true;       // false when open() fails (permissions ...); always false for
                              // Symlink/Fifo/Other (never opened by the scan)
  std::string link_target;    // symlinks: the target as written
  bool link_escapes = false;  // symlinks: resolves outside the request folder, or dangles
  std::string head;           // regular readable files: the first bytes (up to 64), for magic numbers
};

struct FolderScan {
  std::string display_path;     // the folder as the user named it (used in reports)
  std::filesystem::path root;   // canonical absolute path of the folder
  std::vector<FileEntry> entries;  // recursive, sorted by rel; symlinked folders are not entered
  bool truncated = false;       // the scan stopped at its entry/depth limit

  const FileEntry* find(std::string_view rel) const;
};

// Throws UsageError when `path` does not exist, is not a directory, or cannot be listed.
FolderScan scan_folder(const std::string& path);

// Reads a regular file of the scanned folder, never following a symlink out of the folder and
// never blocking on a FIFO (open with O_NOFOLLOW|O_NONBLOCK, then fstat). A symlink whose target
// stays inside the folder (link_escapes == false) is resolved textually, component by component,
// and read like the runner would; one that leaves it is refused. Paths with ".." are refused.
// nullopt when it is not a readable regular file or is larger than max_bytes; `why` (optional)
// receives the reason ("is a symbolic link leading outside the request folder ...", "is a FIFO").
std::optional<std::string> read_request_file(const FolderScan& scan, std::string_view rel,
                                             std::uint64_t max_bytes, std::string* why = nullptr);

}  // namespace rwkvq
