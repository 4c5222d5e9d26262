// Preprocessing: fitted statistics, whitening's identity covariance, state save/load.
#include <tapegrad/data.h>

#include <catch2/catch.hpp>

using namespace tg;

namespace {
// Correlated data: (N, D) rows of z A + offset.
Tensor correlated(int64_t n, int64_t d) {
  manual_seed(11);
  Tensor z = randn({n, d}, kDouble);
  Tensor a = randn({d, d}, kDouble);
  return matmul(z, a) + 3.0;
}
Tensor covariance(const Tensor& y) {
  Tensor c = y - y.mean(0, true);
  return matmul(c.t(), c) / static_cast<double>(y.size(0) - 1);
}
}  // namespace

TEST_CASE("ZeroCenter subtracts the mean example", "[data][preprocess]") {
  Tensor x = tensor<double>({1, 2, 3, 5, 6, 7}, {2, 3});
  data::ZeroCenter zc;
  zc.fit(x);
  REQUIRE(allclose(zc.mean(), tensor<double>({3, 4, 5})));
  REQUIRE(allclose(zc.apply(x), tensor<double>({-2, -2, -2, 2, 2, 2}, {2, 3})));
  REQUIRE(allclose(zc.apply(x[0]), tensor<double>({-2, -2, -2})));
  REQUIRE_THROWS_WITH(zc.apply(zeros({2, 4}, kDouble)), Catch::Contains("zero-center") && Catch::Contains("[2, 4]"));
  REQUIRE_THROWS_WITH(data::ZeroCenter().apply(x), Catch::Contains("before fit"));
}

TEST_CASE("Normalize per channel and per feature, fitted and fixed", "[data][preprocess]") {
  manual_seed(2);
  Tensor images = rand({50, 2, 4, 4}, kDouble) * tensor<double>({1.0, 10.0}).view({1, 2, 1, 1});
  data::Normalize norm;
  norm.fit(images);
  Tensor y = norm.apply(images);
  REQUIRE(allclose(y.mean({0, 2, 3}), zeros({2}, kDouble), 1e-6, 1e-9));
  REQUIRE(allclose(y.std({0, 2, 3}, false), ones({2}, kDouble), 1e-6, 1e-6));
  REQUIRE(allclose(norm.apply(images[3]), y[3]));  // one example
  data::Normalize fixed({.mean = {0.5}, .std = {0.25}});
  REQUIRE(allclose(fixed.apply(full({1, 2, 2}, 1.0, kDouble)), full({1, 2, 2}, 2.0, kDouble), 1e-6));
  data::Normalize per_feature({.per_channel = false});
  Tensor flat = images.reshape({50, -1});
  per_feature.fit(flat);
  REQUIRE(allclose(per_feature.apply(flat).mean(0), zeros({32}, kDouble), 1e-6, 1e-9));
}

TEST_CASE("PCA keeps the top components, in order", "[data][preprocess]") {
  Tensor x = correlated(500, 6);
  data::PCA pca(3);
  pca.fit(x);
  Tensor y = pca.apply(x);
  REQUIRE(y.shape() == Shape{500, 3});
  Tensor var = y.var({0});
  Tensor ev = pca.eigenvalues();
  REQUIRE(allclose(var, ev.narrow(0, 0, 3), 1e-6));
  REQUIRE(ev[0].item<double>() >= ev[1].item<double>());
  // Components are orthonormal.
  REQUIRE(allclose(matmul(pca.components().t(), pca.components()), eye(3, kDouble), 1e-8, 1e-8));
}

TEST_CASE("whitening gives an identity covariance on the fitted data", "[data][preprocess]") {
  Tensor x = correlated(2000, 5);
  for (auto mode : {data::WhitenMode::PCA, data::WhitenMode::ZCA}) {
    data::Whiten w({.mode = mode, .eps = 0.0});
    w.fit(x);
    Tensor y = w.apply(x);
    REQUIRE(y.shape() == Shape{2000, 5});
    REQUIRE(allclose(covariance(y), eye(5, kDouble), 1e-6, 1e-6));
  }
  // ZCA keeps an image's shape.
  Tensor images = correlated(400, 12).view({400, 3, 2, 2});
  data::Whiten zca({.mode = data::WhitenMode::ZCA, .eps = 1e-9});
  zca.fit(images);
  REQUIRE(zca.apply(images).shape() == images.shape());
  REQUIRE(zca.apply(images[0]).shape() == Shape{3, 2, 2});
}

TEST_CASE("preprocessing state round-trips through safetensors", "[data][preprocess]") {
  Tensor x = correlated(300, 4);
  const std::string path = "preprocess_roundtrip.safetensors";
  for (const char* name : {"zero-center", "normalize", "zca-whiten", "pca-whiten"}) {
    auto p = data::make_preprocessor(name);
    p->fit(x.view({300, 4, 1, 1}));
    io::save_safetensors(path, p->state());
    auto q = data::make_preprocessor(name);
    q->load_state(io::load_safetensors(path).tensors);
    REQUIRE(equal(p->apply(x.view({300, 4, 1, 1})), q->apply(x.view({300, 4, 1, 1}))));
  }
  std::remove(path.c_str());
  REQUIRE_THROWS_WITH(data::make_preprocessor("whitewash"), Catch::Contains("whitewash"));
}
