// STUB: to be replaced by the real implementation.
#include "rwkvq/estimate/estimate.h"
#include <stdexcept>
namespace rwkvq {

RequestEstimate estimate_request(const Request&, const Settings&, const EstimateOptions&) { return {}; }
}  // namespace rwkvq
