#include "net/curl_api.h"

#include <string>

#include "rwkvq/core/error.h"
#include "rwkvq/util/dynlib.h"

namespace rwkvq::net {

const CurlApi& curl_api() {
  // Loaded on the first call only; a failed load throws and is retried by the next call.
  static const CurlApi table = [] {
    static DynLib lib = DynLib::open("libcurl", {"libcurl.so.4", "libcurl-gnutls.so.4"}, "libcurl4", "RWKVQ_LIBCURL");
    CurlApi t;
#define RWKVQ_CURL_BIND(name) lib.bind(t.name, #name);
    RWKVQ_CURL_FUNCTIONS(RWKVQ_CURL_BIND)
#undef RWKVQ_CURL_BIND
    const curl_version_info_data* v = t.curl_version_info(CURLVERSION_NOW);
    if (!v || v->version_num < 0x074200)
      throw UsageError("cannot load libcurl (" + lib.file() + " is version " + (v ? v->version : "?") +
                       ", rwkvq needs 7.66 or later): install libcurl4");
    if (t.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw UsageError("cannot initialise libcurl (" + lib.file() + ")");
    return t;
  }();
  return table;
}

}  // namespace rwkvq::net
