#include "ops/iter.h"

namespace tg::ops {

Shape broadcast_strides(const Tensor& t, const Shape& out_shape, std::string_view op) {
  const Shape& shape = t.shape();
  const Shape& strides = t.strides();
  TG_CHECK(shape.size() <= out_shape.size(), "{}: cannot broadcast shape {} to {}", op, shape, out_shape);
  Shape out(out_shape.size(), 0);
  const size_t lead = out_shape.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i) {
    const int64_t target = out_shape[lead + i];
    TG_CHECK(shape[i] == target || shape[i] == 1, "{}: cannot broadcast shape {} to {}", op, shape, out_shape);
    out[lead + i] = (shape[i] == 1 && target != 1) ? 0 : strides[i];
  }
  return out;
}

}  // namespace tg::ops
