#pragma once
// The part of libcurl rwkvq uses, as a struct of function pointers loaded from libcurl.so.4 when a
// command first goes online (DynLib, like git/git_api.h for libgit2). Types come from libcurl's
// own header, so a call through the struct is checked like a direct call; nothing here makes the
// binary link libcurl. CURL_DISABLE_TYPECHECK: curl.h's type-checking macros for
// curl_easy_setopt/getinfo would otherwise rewrite `api.curl_easy_setopt(...)`.
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

namespace rwkvq::net {

#define RWKVQ_CURL_FUNCTIONS(X)  \
  X(curl_global_init)            \
  X(curl_version_info)           \
  X(curl_easy_init)              \
  X(curl_easy_setopt)            \
  X(curl_easy_getinfo)           \
  X(curl_easy_cleanup)           \
  X(curl_easy_strerror)          \
  X(curl_slist_append)           \
  X(curl_slist_free_all)         \
  X(curl_multi_init)             \
  X(curl_multi_add_handle)       \
  X(curl_multi_remove_handle)    \
  X(curl_multi_perform)          \
  X(curl_multi_poll)             \
  X(curl_multi_info_read)        \
  X(curl_multi_cleanup)

struct CurlApi {
#define RWKVQ_CURL_MEMBER(name) decltype(&::name) name = nullptr;
  RWKVQ_CURL_FUNCTIONS(RWKVQ_CURL_MEMBER)
#undef RWKVQ_CURL_MEMBER
};

// Loads libcurl (once; later calls return the same table) and initialises it. The environment
// variable RWKVQ_LIBCURL names another file to load. Throws UsageError "cannot load libcurl (…):
// install libcurl4" when it is missing, lacks a function, or is older than 7.66 (curl_multi_poll).
const CurlApi& curl_api();

}  // namespace rwkvq::net
