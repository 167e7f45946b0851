// STUB: to be replaced by the real implementation.
#include "rwkvq/request/folder.h"
#include <stdexcept>
namespace rwkvq {

const FileEntry* FolderScan::find(std::string_view) const { return nullptr; }
FolderScan scan_folder(const std::string&) { throw std::logic_error("scan_folder: not implemented"); }
std::optional<std::string> read_request_file(const FolderScan&, std::string_view, std::uint64_t, std::string*) { return std::nullopt; }
}  // namespace rwkvq
