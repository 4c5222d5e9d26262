// tapegrad-train --sanity: the checks to run before a long training (CS231n, "babysitting the
// learning process"), each printed with its figure and pass/fail:
//   1. the initial loss, with regularisation off, is close to ln(classes): the network starts
//      without a preference among the classes;
//   2. the model can overfit a tiny subset (20 samples) to 100% training accuracy: the model,
//      the loss and the optimizer can learn at all.
#pragma once

#include <tapegrad/tapegrad.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "model.h"

namespace train {

using OptimizerFactory = std::function<std::unique_ptr<tg::optim::Optimizer>(const tg::tensor_list&)>;

struct SanityCheck {
  std::string name;
  bool pass = false;
  std::string figure;
};

struct SanityOptions {
  int64_t loss_samples = 1000;     // for the initial loss
  double loss_tolerance = 0.25;    // |loss - ln C| <= tolerance * ln C
  int64_t overfit_samples = 20;
  int64_t overfit_max_steps = 300;  // full-batch steps
};

// images, targets: training data ready for the model (preprocessed); seed: as for the run.
inline std::vector<SanityCheck> run_sanity_checks(ModelConfig config, const OptimizerFactory& make_optimizer,
                                                  const tg::Tensor& images, const tg::Tensor& targets, uint64_t seed,
                                                  int64_t classes = 10, SanityOptions s = {}) {
  // Regularisation off: dropout and DropConnect would add noise to both checks (the caller gives
  // an optimizer without weight decay).
  config.dropout = 0;
  config.dropconnect = 0;
  std::vector<SanityCheck> out;

  tg::manual_seed(seed);
  {
    auto model = make_model(config);
    tg::NoGradGuard no_grad;
    const int64_t n = std::min(s.loss_samples, images.size(0));
    const double loss =
        tg::cross_entropy((*model)(images.narrow(0, 0, n)), targets.narrow(0, 0, n)).item<double>();
    const double expected = std::log(static_cast<double>(classes));
    const bool pass = std::abs(loss - expected) <= s.loss_tolerance * expected;
    out.push_back({"initial loss", pass,
                   fmt::format("{:.4f} on {} samples (ln {} = {:.4f}, allowed +-{:.0f}%)", loss, n, classes, expected,
                               100 * s.loss_tolerance)});
  }

  tg::manual_seed(seed);
  {
    auto model = make_model(config);
    auto opt = make_optimizer(model->parameters());
    const int64_t n = std::min(s.overfit_samples, images.size(0));
    const tg::Tensor x = images.narrow(0, 0, n), y = targets.narrow(0, 0, n);
    double accuracy = 0, loss = 0;
    int64_t steps = 0;
    while (steps < s.overfit_max_steps) {
      tg::Tensor logits = (*model)(x);
      tg::Tensor l = tg::cross_entropy(logits, y);
      loss = l.item<double>();
      {
        tg::NoGradGuard no_grad;
        accuracy = logits.argmax(1).eq(y).sum().item<double>() / static_cast<double>(n);
      }
      if (accuracy == 1.0 || !std::isfinite(loss)) break;
      opt->zero_grad();
      l.backward();
      opt->step();
      ++steps;
    }
    out.push_back({fmt::format("overfit {} samples", n), accuracy == 1.0,
                   fmt::format("training accuracy {:.0f}% after {} full-batch steps (loss {:.4f})", 100 * accuracy,
                               steps, loss)});
  }
  return out;
}

// Prints one line per check and a JSON line; returns the exit status (0 when all pass).
inline int report_sanity(const std::vector<SanityCheck>& checks) {
  nlohmann::json j = nlohmann::json::object();
  bool all = true;
  for (const SanityCheck& c : checks) {
    std::printf("sanity: %-18s %s  %s\n", c.name.c_str(), c.pass ? "PASS" : "FAIL", c.figure.c_str());
    j[c.name] = {{"pass", c.pass}, {"figure", c.figure}};
    all = all && c.pass;
  }
  std::printf("%s\n", nlohmann::json{{"sanity", j}, {"passed", all}}.dump().c_str());
  return all ? 0 : 1;
}

}  // namespace train
