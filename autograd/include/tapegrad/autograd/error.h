// tg::Error and the one checking macro every op uses.
//
//   TG_CHECK(a.dim() == 2, "mm: expected 2-D tensors, got {} and {}", a.shape(), b.shape());
//
// Messages start with the op's name and name the shapes involved.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>
#include <string>

namespace tg {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
[[noreturn]] void throw_error(std::string message);
}  // namespace detail

}  // namespace tg

// Throws tg::Error with a fmt-formatted message when cond is false.
#define TG_CHECK(cond, ...)                                       \
  do {                                                            \
    if (!(cond)) [[unlikely]] {                                   \
      ::tg::detail::throw_error(::fmt::format(__VA_ARGS__));      \
    }                                                             \
  } while (false)

#define TG_FAIL(...) ::tg::detail::throw_error(::fmt::format(__VA_ARGS__))
