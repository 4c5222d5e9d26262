// Training-health diagnostics built on module hooks (the checks of Karpathy's CS231n notes on
// babysitting a network): per layer, the mean and standard deviation of its output and, for ReLU,
// the fraction of dead units (zero for every sample of a batch); per parameter, the gradient norm
// and the update/weight ratio ||Δw|| / ||w|| of each step (healthy around 1e-3).
//
//   tg::nn::TrainingDiagnostics diag(*model);
//   for (auto& batch : loader) {
//     tg::Tensor loss = tg::cross_entropy((*model)(batch.data), batch.target);
//     opt.zero_grad(); loss.backward();
//     diag.before_step(); opt.step(); diag.after_step();
//   }
//   fmt::print("{}", diag.table());   // averages since construction or reset()
//
// Only calls in training mode are counted, so an evaluation pass does not mix in.
#pragma once

#include <tapegrad/nn/module.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tg::nn {

struct DiagnosticsOptions {
  // Which modules to watch, by dotted name and module; unset: every module without children.
  std::function<bool(const std::string& name, const Module& module)> watch;
};

struct LayerDiagnostics {
  std::string name, type;
  double mean = 0, std = 0;             // of the layer's output, averaged over batches
  std::optional<double> dead_fraction;  // ReLU only: units zero for a whole batch, averaged over batches
  int64_t batches = 0;
};

struct ParameterDiagnostics {
  std::string name;
  double grad_norm = 0;     // ||g||_2, averaged over steps
  double update_ratio = 0;  // ||w_after - w_before|| / ||w_before||, averaged over steps
  int64_t steps = 0;
};

// The fraction of units (all dims but the first, the batch) that are exactly zero for every sample.
double dead_unit_fraction(const Tensor& activations);

class TrainingDiagnostics {
 public:
  explicit TrainingDiagnostics(Module& model, DiagnosticsOptions options = {});
  ~TrainingDiagnostics();  // removes its hooks
  TrainingDiagnostics(const TrainingDiagnostics&) = delete;
  TrainingDiagnostics& operator=(const TrainingDiagnostics&) = delete;

  // Around optimizer.step(), after backward: before_step reads the gradients and keeps a copy of
  // the weights; after_step measures how far the step moved them.
  void before_step();
  void after_step();

  std::vector<LayerDiagnostics> layers() const;
  std::vector<ParameterDiagnostics> parameters() const;
  // Each watched layer's output at its last training call (detached), for histograms.
  std::vector<std::pair<std::string, Tensor>> last_outputs() const;
  // Starts new averages (e.g. every epoch).
  void reset();
  // The figures as two aligned text tables (layers, then parameters).
  std::string table() const;

 private:
  struct Layer {
    std::string name, type;
    HookHandle handle;
    double mean_sum = 0, std_sum = 0, dead_sum = 0;
    int64_t batches = 0;
    Tensor last;
  };
  struct Param {
    std::string name;
    Tensor value, before;  // before: the weights at before_step (a buffer kept across steps)
    bool has_before = false;
    double grad_norm_sum = 0, ratio_sum = 0;
    int64_t steps = 0;
  };
  std::vector<Layer> layers_;
  std::vector<Param> params_;
};

}  // namespace tg::nn
