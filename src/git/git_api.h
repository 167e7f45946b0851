#pragma once
// The part of libgit2 rwkvq uses, as a struct of function pointers loaded from libgit2.so.1.5
// on first use (DynLib). Types come from libgit2's own header, so a call through the struct is
// checked like a direct call; nothing here makes the binary link libgit2.
#include <git2.h>

namespace rwkvq::git {

#define RWKVQ_GIT_FUNCTIONS(X) \
  X(git_libgit2_init)          \
  X(git_libgit2_shutdown)      \
  X(git_libgit2_version)       \
  X(git_error_last)            \
  X(git_repository_open_ext)   \
  X(git_repository_free)       \
  X(git_repository_workdir)    \
  X(git_repository_is_bare)    \
  X(git_repository_is_shallow) \
  X(git_repository_head)       \
  X(git_repository_odb)        \
  X(git_reference_shorthand)   \
  X(git_reference_free)        \
  X(git_revparse_single)       \
  X(git_object_peel)           \
  X(git_object_id)             \
  X(git_object_free)           \
  X(git_merge_base)            \
  X(git_commit_lookup)         \
  X(git_commit_free)           \
  X(git_commit_tree)           \
  X(git_commit_parentcount)    \
  X(git_commit_parent)         \
  X(git_commit_summary)        \
  X(git_tree_free)             \
  X(git_tree_entry_bypath)     \
  X(git_tree_entry_free)       \
  X(git_tree_entry_id)         \
  X(git_diff_options_init)     \
  X(git_diff_tree_to_tree)     \
  X(git_diff_num_deltas)       \
  X(git_diff_get_delta)        \
  X(git_diff_free)             \
  X(git_revwalk_new)           \
  X(git_revwalk_sorting)       \
  X(git_revwalk_push)          \
  X(git_revwalk_hide)          \
  X(git_revwalk_next)          \
  X(git_revwalk_free)          \
  X(git_odb_read_header)       \
  X(git_odb_free)              \
  X(git_blob_lookup)           \
  X(git_blob_rawcontent)       \
  X(git_blob_rawsize)          \
  X(git_blob_free)             \
  X(git_oid_tostr)             \
  X(git_oid_equal)             \
  X(git_status_options_init)   \
  X(git_status_list_new)       \
  X(git_status_list_entrycount) \
  X(git_status_byindex)        \
  X(git_status_list_free)              \
  X(git_repository_init)               \
  X(git_remote_create)                 \
  X(git_remote_lookup)                 \
  X(git_remote_free)                   \
  X(git_remote_fetch)                  \
  X(git_remote_push)                   \
  X(git_fetch_options_init)            \
  X(git_push_options_init)             \
  X(git_credential_ssh_key_from_agent) \
  X(git_reference_name_to_id)          \
  X(git_reference_create)              \
  X(git_reference_create_matching)     \
  X(git_blob_create_from_buffer)       \
  X(git_treebuilder_new)               \
  X(git_treebuilder_insert)            \
  X(git_treebuilder_write)             \
  X(git_treebuilder_free)              \
  X(git_tree_lookup)                   \
  X(git_signature_new)                 \
  X(git_signature_free)                \
  X(git_commit_create)                 \
  X(git_commit_author)                 \
  X(git_commit_message)                \
  X(git_commit_id)                     \
  X(git_odb_read)                      \
  X(git_odb_write)                     \
  X(git_odb_object_data)               \
  X(git_odb_object_size)               \
  X(git_odb_object_type)               \
  X(git_odb_object_free)               \
  X(git_odb_hash)                      \
  X(git_config_open_default)           \
  X(git_config_snapshot)               \
  X(git_config_get_string)             \
  X(git_config_free)                   \
  X(git_checkout_options_init)         \
  X(git_checkout_tree)

struct GitApi {
#define RWKVQ_GIT_MEMBER(name) decltype(&::name) name = nullptr;
  RWKVQ_GIT_FUNCTIONS(RWKVQ_GIT_MEMBER)
#undef RWKVQ_GIT_MEMBER
};

// Loads libgit2 (once; later calls return the same table) and initialises it. The environment
// variable RWKVQ_LIBGIT2 names another file to load (packagers, and the test of the error).
// Throws UsageError "cannot load libgit2 (…): install libgit2-1.5" when it is missing, lacks a
// function, or is not the 1.5 series the headers describe.
const GitApi& api();

}  // namespace rwkvq::git
