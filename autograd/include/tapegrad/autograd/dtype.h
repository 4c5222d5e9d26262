// Element types and the switch that turns a runtime dtype into a C++ type.
//
//   tg::dispatch(t.dtype(), "exp", [&]<typename T>() { kernel<T>(...); });
#pragma once

#include <tapegrad/autograd/error.h>

#include <cstdint>
#include <string_view>
#include <type_traits>

namespace tg {

enum class DType : uint8_t { Float32, Float64, Int64, Bool };
inline constexpr DType kFloat = DType::Float32;
inline constexpr DType kDouble = DType::Float64;
inline constexpr DType kLong = DType::Int64;
inline constexpr DType kBool = DType::Bool;

constexpr std::string_view dtype_name(DType d) {
  switch (d) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int64: return "int64";
    case DType::Bool: return "bool";
  }
  return "?";
}

constexpr int64_t itemsize(DType d) {
  switch (d) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int64: return 8;
    case DType::Bool: return 1;
  }
  return 0;
}

constexpr bool is_floating(DType d) { return d == DType::Float32 || d == DType::Float64; }

template <typename T> constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>) return DType::Float32;
  else if constexpr (std::is_same_v<T, double>) return DType::Float64;
  else if constexpr (std::is_same_v<T, int64_t>) return DType::Int64;
  else if constexpr (std::is_same_v<T, bool>) return DType::Bool;
  else static_assert(sizeof(T) == 0, "tapegrad: unsupported element type");
}

// The dtype two operands compute in: bool < int64 < float32 < float64.
constexpr DType promote(DType a, DType b) {
  auto rank = [](DType d) {
    switch (d) {
      case DType::Bool: return 0;
      case DType::Int64: return 1;
      case DType::Float32: return 2;
      case DType::Float64: return 3;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

// Calls f.template operator()<T>() with T the C++ type of d.
template <typename F> decltype(auto) dispatch(DType d, std::string_view op, F&& f) {
  switch (d) {
    case DType::Float32: return f.template operator()<float>();
    case DType::Float64: return f.template operator()<double>();
    case DType::Int64: return f.template operator()<int64_t>();
    case DType::Bool: return f.template operator()<bool>();
  }
  TG_FAIL("{}: unknown dtype", op);
}

// Like dispatch, for ops defined only on float32/float64.
template <typename F> decltype(auto) dispatch_floating(DType d, std::string_view op, F&& f) {
  switch (d) {
    case DType::Float32: return f.template operator()<float>();
    case DType::Float64: return f.template operator()<double>();
    default: TG_FAIL("{}: expected a float32 or float64 tensor, got {}", op, dtype_name(d));
  }
}

// Numeric types (no bool): float32, float64, int64.
template <typename F> decltype(auto) dispatch_numeric(DType d, std::string_view op, F&& f) {
  switch (d) {
    case DType::Float32: return f.template operator()<float>();
    case DType::Float64: return f.template operator()<double>();
    case DType::Int64: return f.template operator()<int64_t>();
    default: TG_FAIL("{}: expected a numeric tensor, got {}", op, dtype_name(d));
  }
}

}  // namespace tg

template <> struct fmt::formatter<tg::DType> : fmt::formatter<std::string_view> {
  auto format(tg::DType d, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(tg::dtype_name(d), ctx);
  }
};
