// Printing like PyTorch: values (abbreviated with ... when large), then dtype, shape and grad_fn.
//
//   fmt::print("{}\n", t);   std::cout << t;
#pragma once

#include <tapegrad/autograd/tensor.h>

#include <fmt/format.h>

#include <iosfwd>
#include <string>

namespace tg {

std::string to_string(const Tensor& t);
std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace tg

template <> struct fmt::formatter<tg::Tensor> : fmt::formatter<std::string_view> {
  auto format(const tg::Tensor& t, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(tg::to_string(t), ctx);
  }
};
