// Owning handles for libgit2 objects and the error helpers every libgit2 caller uses. Every call
// goes through the table of git_api.h, so these are only usable once that table is loaded.
#pragma once

#include <string>
#include <utility>

#include "git/git_api.h"
#include "rwkvq/core/error.h"

namespace rwkvq::git {

// Frees the object with Free when it goes out of scope; movable, not copyable.
template <class T, void (*Free)(T*)>
struct Handle {
  T* p = nullptr;
  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : p(std::exchange(o.p, nullptr)) {}
  ~Handle() {
    if (p) Free(p);
  }
  T** out() { return &p; }
  T* get() const { return p; }
};

namespace free_fn {
inline void repo(git_repository* o) { api().git_repository_free(o); }
inline void remote(git_remote* o) { api().git_remote_free(o); }
inline void reference(git_reference* o) { api().git_reference_free(o); }
inline void object(git_object* o) { api().git_object_free(o); }
inline void commit(git_commit* o) { api().git_commit_free(o); }
inline void tree(git_tree* o) { api().git_tree_free(o); }
inline void tree_entry(git_tree_entry* o) { api().git_tree_entry_free(o); }
inline void blob(git_blob* o) { api().git_blob_free(o); }
inline void diff(git_diff* o) { api().git_diff_free(o); }
inline void builder(git_treebuilder* o) { api().git_treebuilder_free(o); }
inline void signature(git_signature* o) { api().git_signature_free(o); }
inline void odb(git_odb* o) { api().git_odb_free(o); }
inline void odb_object(git_odb_object* o) { api().git_odb_object_free(o); }
inline void revwalk(git_revwalk* o) { api().git_revwalk_free(o); }
inline void status(git_status_list* o) { api().git_status_list_free(o); }
inline void config(git_config* o) { api().git_config_free(o); }
}  // namespace free_fn

using Repo = Handle<git_repository, free_fn::repo>;
using Remote = Handle<git_remote, free_fn::remote>;
using Reference = Handle<git_reference, free_fn::reference>;
using Object = Handle<git_object, free_fn::object>;
using Commit = Handle<git_commit, free_fn::commit>;
using Tree = Handle<git_tree, free_fn::tree>;
using TreeEntry = Handle<git_tree_entry, free_fn::tree_entry>;
using Blob = Handle<git_blob, free_fn::blob>;
using Diff = Handle<git_diff, free_fn::diff>;
using Builder = Handle<git_treebuilder, free_fn::builder>;
using Signature = Handle<git_signature, free_fn::signature>;
using Odb = Handle<git_odb, free_fn::odb>;
using OdbObject = Handle<git_odb_object, free_fn::odb_object>;
using Revwalk = Handle<git_revwalk, free_fn::revwalk>;
using StatusList = Handle<git_status_list, free_fn::status>;
using Config = Handle<git_config, free_fn::config>;

// libgit2's message for the last failed call on this thread.
inline std::string last_error() {
  const git_error* e = api().git_error_last();
  return e && e->message ? e->message : "unknown libgit2 error";
}

// Throws UsageError("what: <libgit2's message>") when rc < 0.
inline void check(int rc, const std::string& what) {
  if (rc < 0) throw UsageError(what + ": " + last_error());
}

// The 40 hex digits of an object id.
inline std::string hex(const git_oid* id) {
  char buf[GIT_OID_HEXSZ + 1];
  api().git_oid_tostr(buf, sizeof buf, id);
  return buf;
}

}  // namespace rwkvq::git
