#pragma once
// Is a file data? The one test behind data/committed (a file of the request folder) and
// git/committed-data (a blob any commit of the branch adds): its name, its size and its first
// bytes. A Parquet file named .txt is data whatever its size; a Git LFS pointer is data too (the
// runner does not pull LFS objects, and the data sits in the repository's LFS store).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rwkvq/core/settings.h"

namespace rwkvq::rules {

struct DataVerdict {
  std::string why;             // "a data file (.jsonl, 2.1 KB)", "really Parquet data, whatever its name says"
  bool notebook_outputs = false;  // an .ipynb that is only too large: its outputs, not a dataset
};

// `name`: the file's name or path; `size` in bytes; `head`: its first bytes when known (an empty
// head with head_known == false means they were not read: large blobs). nullopt: not data.
std::optional<DataVerdict> judge_data_file(std::string_view name, std::uint64_t size, std::string_view head,
                                           bool head_known, const Limits& limits);

// "2.1 KB", "1.0 MB", "12 bytes".
std::string human_bytes(std::uint64_t n);
// The data format a file's first bytes reveal ("Parquet"), or "".
std::string magic_format(std::string_view head);
// A Git LFS pointer file ("version https://git-lfs.github.com/spec/v1" first line).
bool is_lfs_pointer(std::string_view head);

}  // namespace rwkvq::rules
