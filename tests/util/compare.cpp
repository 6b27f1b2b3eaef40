// SPDX-License-Identifier: Apache-2.0
#include "util/compare.h"

#include <cmath>
#include <sstream>

namespace npukit::testing {

std::string compare_tensors(const Tensor& got, const Tensor& want, double rtol, double atol) {
  std::ostringstream os;
  if (got.dtype() != want.dtype()) {
    os << "dtype " << dtype_name(got.dtype()) << " != expected " << dtype_name(want.dtype());
    return os.str();
  }
  if (got.shape() != want.shape()) {
    os << "shape " << shape_str(got.shape()) << " != expected " << shape_str(want.shape());
    return os.str();
  }
  const bool is_float = dtype_is_float(got.dtype());
  int64_t bad = 0;
  double max_err = 0;
  for (int64_t i = 0; i < got.numel(); ++i) {
    double g = got.get_as_double(i), w = want.get_as_double(i);
    bool ok;
    if (is_float) {
      if (std::isnan(w) || std::isnan(g))
        ok = std::isnan(w) && std::isnan(g);
      else if (std::isinf(w) || std::isinf(g))
        ok = g == w;
      else {
        double err = std::fabs(g - w);
        max_err = std::max(max_err, err);
        ok = err <= atol + rtol * std::fabs(w);
      }
    } else {
      ok = got.get_as_int64(i) == want.get_as_int64(i);
    }
    if (!ok) {
      if (bad < 5) os << " [" << i << "] got " << g << " want " << w << ";";
      ++bad;
    }
  }
  if (bad == 0) return "";
  std::ostringstream head;
  head << bad << " of " << got.numel() << " elements differ (rtol " << rtol << ", atol " << atol << ", max abs err "
       << max_err << "):" << os.str();
  return head.str();
}

double max_abs_diff(const Tensor& got, const Tensor& want) {
  double m = 0;
  for (int64_t i = 0; i < got.numel() && i < want.numel(); ++i)
    m = std::max(m, std::fabs(got.get_as_double(i) - want.get_as_double(i)));
  return m;
}

}  // namespace npukit::testing
