// tapegrad-train: trains an MLP or a CNN on Fashion-MNIST with the techniques of the seed notes
// (initialisation, BatchNorm, dropout, DropConnect, optimizers, schedules, preprocessing,
// augmentation), with progress, metrics, a plot, checkpoints and exact resume.
//
//   tapegrad-train                                   # MLP 784-512-256-10, He, BatchNorm, Dropout, Adam
//   tapegrad-train --model cnn --epochs 15 --augment flip,crop
//   tapegrad-train --epochs 4 --checkpoint run.safetensors && tapegrad-train --epochs 8 --resume run.safetensors
//
// The last line on stdout is one JSON object with the final figures.
#include <tapegrad/tapegrad.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <thread>

#include "train/distributed.h"
#include "train/insight.h"
#include "train/divergence.h"
#include "train/model.h"
#include "train/report.h"
#include "train/sanity.h"
#include "train/search.h"

namespace {

using namespace tg;
using train::EpochMetrics;

struct Options {
  train::ModelConfig model;
  int64_t epochs = 10;
  int64_t batch_size = 128;
  std::string optimizer = "adam";
  std::optional<double> lr;
  std::string schedule = "cosine";
  double weight_decay = 0.0;
  std::string augment;
  std::string preprocess = "none";
  int threads = 0;
  int workers = 1;
  uint64_t seed = 0;
  std::string data_dir = data::FashionMNIST::kDefaultDir;
  std::string checkpoint, resume, metrics, plot;
  int64_t train_samples = 0, test_samples = 0;  // 0: all
  bool detect_anomaly = false;
  train::InsightConfig insight;                  // --diagnostics, --max-norm, --ema
  bool sanity = false;
  double val_split = 0;  // > 0: evaluate on the last part of the training images, not the test set
  int search = 0;        // > 0: random search with this many trials
  train::SearchSpace search_space;
};

double default_lr(const std::string& optimizer) {
  if (optimizer == "sgd" || optimizer == "momentum" || optimizer == "nesterov") return 0.05;
  if (optimizer == "adagrad") return 0.01;
  return 1e-3;  // rmsprop, adam, adamw
}

std::unique_ptr<optim::Optimizer> make_optimizer(const Options& o, const tensor_list& params) {
  const double lr = o.lr.value_or(default_lr(o.optimizer)), wd = o.weight_decay;
  if (o.optimizer == "sgd") return std::make_unique<optim::SGD>(params, optim::SGDOptions{.lr = lr, .weight_decay = wd});
  if (o.optimizer == "momentum")
    return std::make_unique<optim::SGD>(params, optim::SGDOptions{.lr = lr, .momentum = 0.9, .weight_decay = wd});
  if (o.optimizer == "nesterov")
    return std::make_unique<optim::SGD>(
        params, optim::SGDOptions{.lr = lr, .momentum = 0.9, .weight_decay = wd, .nesterov = true});
  if (o.optimizer == "adagrad")
    return std::make_unique<optim::Adagrad>(params, optim::AdagradOptions{.lr = lr, .weight_decay = wd});
  if (o.optimizer == "rmsprop")
    return std::make_unique<optim::RMSprop>(params, optim::RMSpropOptions{.lr = lr, .weight_decay = wd});
  if (o.optimizer == "adam") return std::make_unique<optim::Adam>(params, optim::AdamOptions{.lr = lr, .weight_decay = wd});
  if (o.optimizer == "adamw")
    return std::make_unique<optim::AdamW>(params, optim::AdamWOptions{.lr = lr, .weight_decay = wd});
  TG_FAIL("--optimizer: unknown optimizer '{}'", o.optimizer);
}

// Epoch schedules step once per epoch; onecycle steps once per batch.
std::unique_ptr<optim::LRScheduler> make_schedule(const Options& o, optim::Optimizer& opt, int64_t steps_per_epoch) {
  if (o.schedule == "none") return nullptr;
  if (o.schedule == "step")
    return std::make_unique<optim::StepLR>(opt, optim::StepLROptions{.step_size = std::max<int64_t>(1, o.epochs / 3)});
  if (o.schedule == "cosine")
    return std::make_unique<optim::CosineAnnealingLR>(opt, optim::CosineAnnealingLROptions{.t_max = o.epochs});
  if (o.schedule == "onecycle")
    return std::make_unique<optim::OneCycleLR>(
        opt, optim::OneCycleLROptions{.max_lr = opt.lr(0) * 10, .epochs = o.epochs, .steps_per_epoch = steps_per_epoch});
  TG_FAIL("--lr-schedule: unknown schedule '{}' (expected none, step, cosine or onecycle)", o.schedule);
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

// FNV-1a over every parameter's bytes: equal checksums mean bit-identical weights (the resume test
// compares them between an interrupted and an uninterrupted run).
std::string parameter_checksum(const nn::Module& model) {
  uint64_t h = 1469598103934665603ULL;
  for (const auto& [name, p] : model.state_dict()) {
    const Tensor c = p.detach().contiguous();
    const auto* bytes = static_cast<const unsigned char*>(c.raw_data());
    for (int64_t i = 0; i < c.numel() * c.itemsize(); ++i) h = (h ^ bytes[i]) * 1099511628211ULL;
  }
  return fmt::format("{:016x}", h);
}

// Loss and accuracy of the model on (images, targets), in eval mode, in batches.
std::pair<double, double> evaluate(nn::Module& model, const Tensor& images, const Tensor& targets,
                                   const data::Preprocessor* pre) {
  NoGradGuard no_grad;
  model.eval();
  double loss = 0;
  int64_t correct = 0;
  const int64_t n = images.size(0);
  for (int64_t start = 0; start < n; start += 1000) {
    const int64_t len = std::min<int64_t>(1000, n - start);
    Tensor x = images.narrow(0, start, len);
    Tensor y = targets.narrow(0, start, len);
    Tensor logits = model.forward(pre ? pre->apply(x) : x);
    loss += cross_entropy(logits, y, {.reduction = Reduction::Sum}).item<double>();
    correct += logits.argmax(1).eq(y).sum().item<int64_t>();
  }
  model.train();
  return {loss / static_cast<double>(n), static_cast<double>(correct) / static_cast<double>(n)};
}

// Everything a resumed run needs, in one safetensors file, written atomically.
void save_checkpoint(const std::string& path, const nn::Module& model, const optim::Optimizer& opt,
                     const optim::LRScheduler* sched, const data::Preprocessor* pre, int64_t epoch,
                     const std::vector<EpochMetrics>& history, const nlohmann::json& options,
                     const io::TensorDict& extra = {}) {
  io::TensorDict all = extra;
  for (const auto& [k, t] : model.state_dict()) all.emplace_back("model." + k, t.detach());
  for (const auto& [k, t] : opt.state_dict()) all.emplace_back("optimizer." + k, t);
  if (sched)
    for (const auto& [k, t] : sched->state_dict()) all.emplace_back("scheduler." + k, t);
  if (pre)
    for (const auto& [k, t] : pre->state()) all.emplace_back("preprocess." + k, t);
  nlohmann::json hist = nlohmann::json::array();
  for (const auto& m : history) hist.push_back(train::to_json(m));
  const GeneratorState rng = get_rng_state();
  io::save_safetensors(path, all,
                       {{"format", "tapegrad-train/1"},
                        {"epoch", std::to_string(epoch)},
                        {"rng_seed", std::to_string(rng.seed)},
                        {"rng_offset", std::to_string(rng.offset)},
                        {"history", hist.dump()},
                        {"options", options.dump()}});
}

// The entries of `all` under prefix, with the prefix removed.
io::TensorDict with_prefix(const io::TensorDict& all, const std::string& prefix) {
  io::TensorDict out;
  for (const auto& [k, t] : all)
    if (k.starts_with(prefix)) out.emplace_back(k.substr(prefix.size()), t);
  return out;
}

int64_t resume_from(const std::string& path, nn::Module& model, optim::Optimizer& opt, optim::LRScheduler* sched,
                    data::Preprocessor* pre, std::vector<EpochMetrics>& history, train::StepExtras* extras = nullptr) {
  io::SafetensorsFile file = io::load_safetensors(path);
  auto meta = [&](const char* key) -> const std::string& {
    auto it = file.metadata.find(key);
    TG_CHECK(it != file.metadata.end(), "--resume {}: not a tapegrad-train checkpoint (no '{}' entry)", path, key);
    return it->second;
  };
  TG_CHECK(meta("format") == "tapegrad-train/1", "--resume {}: unknown checkpoint format '{}'", path, meta("format"));
  try {
    io::TensorDict m = with_prefix(file.tensors, "model.");
    model.load_state_dict(nn::StateDict(m.begin(), m.end()));
    opt.load_state_dict(with_prefix(file.tensors, "optimizer."));
    if (sched) sched->load_state_dict(with_prefix(file.tensors, "scheduler."));
    if (pre) pre->load_state(with_prefix(file.tensors, "preprocess."));
    if (extras) extras->load_state(file.tensors);
    history.clear();
    for (const auto& j : nlohmann::json::parse(meta("history"))) history.push_back(train::from_json(j));
    set_rng_state({std::stoull(meta("rng_seed")), std::stoull(meta("rng_offset"))});
    return std::stoll(meta("epoch"));
  } catch (const Error& e) {
    TG_FAIL("--resume {}: {} (were the options the same as for the saved run?)", path, e.what());
  } catch (const std::exception& e) {
    TG_FAIL("--resume {}: corrupt checkpoint metadata ({})", path, e.what());
  }
}

int run(const Options& o, const nlohmann::json& options_json, train::Distributed& dist) {
  if (o.threads > 0) set_num_threads(o.threads);
  manual_seed(o.seed);
  const auto wall_start = std::chrono::steady_clock::now();

  auto train_full = std::make_shared<data::FashionMNIST>(o.data_dir, data::Split::Train);
  auto test_full = std::make_shared<data::FashionMNIST>(o.data_dir, data::Split::Test);
  int64_t n_train = o.train_samples > 0 ? std::min(o.train_samples, train_full->size()) : train_full->size();
  int64_t n_test = o.test_samples > 0 ? std::min(o.test_samples, test_full->size()) : test_full->size();
  // --val-split: the last part of the training images is held out and evaluated instead of the test set.
  const int64_t n_val = o.val_split > 0 ? std::llround(static_cast<double>(n_train) * o.val_split) : 0;
  TG_CHECK(o.val_split == 0 || (n_val > 0 && n_val < n_train), "--val-split {}: leaves {} of {} images for validation",
           o.val_split, n_val, n_train);
  n_train -= n_val;
  if (n_val > 0) n_test = n_val;
  const char* eval_name = n_val > 0 ? "val" : "test";
  std::shared_ptr<const data::Dataset> train_set = train_full;
  if (n_train < train_full->size()) {
    std::vector<int64_t> first(static_cast<size_t>(n_train));
    std::iota(first.begin(), first.end(), 0);
    train_set = std::make_shared<data::Subset>(train_full, first);
  }
  const Tensor test_images = n_val > 0 ? train_full->images().narrow(0, n_train, n_val)
                                       : test_full->images().narrow(0, 0, n_test);
  const Tensor test_targets = n_val > 0 ? train_full->targets().narrow(0, n_train, n_val)
                                        : test_full->targets().narrow(0, 0, n_test);

  std::unique_ptr<data::Preprocessor> pre;
  if (o.preprocess != "none") {
    pre = data::make_preprocessor(o.preprocess);
    pre->fit(train_full->images().narrow(0, 0, n_train));
  }
  if (o.sanity) {
    Options no_decay = o;
    no_decay.weight_decay = 0;
    const int64_t n = std::min<int64_t>(n_train, train::SanityOptions{}.loss_samples);
    const Tensor images = train_full->images().narrow(0, 0, n);
    return train::report_sanity(train::run_sanity_checks(
        o.model, [&](const tensor_list& p) { return make_optimizer(no_decay, p); }, pre ? pre->apply(images) : images,
        train_full->targets().narrow(0, 0, n), o.seed));
  }
  data::ExampleTransform augment;
  if (!o.augment.empty()) augment = data::augment_data(data::make_augmentation(split_list(o.augment), 28));
  data::DataLoader loader(train_set,
                          {.batch_size = o.batch_size, .shuffle = dist.world_size() == 1, .drop_last = false,
                           .num_workers = o.workers, .seed = o.seed},
                          dist.sampler(n_train, o.seed), augment);

  auto model = train::make_model(o.model);
  auto opt = make_optimizer(o, model->parameters());
  train::DivergenceCheck divergence(*model, o.detect_anomaly);
  train::StepExtras extras(*model, o.insight);
  auto sched = make_schedule(o, *opt, loader.num_batches());
  const bool per_batch_schedule = o.schedule == "onecycle";
  std::vector<EpochMetrics> history;
  int64_t start_epoch = 0;
  if (!o.resume.empty()) {
    start_epoch = resume_from(o.resume, *model, *opt, sched.get(), pre.get(), history, &extras);
    std::printf("resumed from %s after epoch %lld\n", o.resume.c_str(), static_cast<long long>(start_epoch));
  }
  dist.wrap(model);  // under mpirun: rank 0's weights everywhere, gradients averaged from now on
  std::printf("%s\n%lld training / %lld %s images, %d threads, optimizer %s, lr %g\n", model->to_string().c_str(),
              static_cast<long long>(n_train), static_cast<long long>(n_test), eval_name, get_num_threads(),
              o.optimizer.c_str(), opt->lr(0));
  loader.set_epoch(start_epoch);

  double train_seconds = 0;
  for (int64_t epoch = start_epoch; epoch < o.epochs; ++epoch) {
    train::Progress progress(epoch + 1, o.epochs, loader.num_batches());
    model->train();
    double loss_sum = 0;
    int64_t correct = 0, seen = 0, step = 0;
    const double lr_used = opt->lr(0);
    for (const data::Batch& batch : loader) {
      divergence.at(epoch + 1, step + 1);
      Tensor x = pre ? pre->apply(batch.data) : batch.data;
      Tensor logits = dist.forward(*model, x);
      Tensor loss = cross_entropy(logits, batch.target);
      const double loss_value = loss.item<double>();
      divergence.check_loss(loss_value);
      opt->zero_grad();
      divergence.backward(loss);
      dist.finish_gradients();
      extras.before_step();
      opt->step();
      extras.after_step();  // max-norm, diagnostics, weight averaging
      if (sched && per_batch_schedule) sched->step();
      const int64_t n = batch.target.numel();
      loss_sum += loss_value * static_cast<double>(n);
      {
        NoGradGuard no_grad;
        correct += logits.argmax(1).eq(batch.target).sum().item<int64_t>();
      }
      seen += n;
      progress.update(++step, seen, loss_sum / static_cast<double>(seen));
    }
    progress.finish();
    dist.sum(loss_sum, correct, seen);
    if (sched && !per_batch_schedule) sched->step();
    const double epoch_seconds = progress.elapsed();
    train_seconds += epoch_seconds;
    auto [test_loss, test_acc] = extras.evaluate([&] { return dist.evaluate(*model, test_images, test_targets,
                         [&](const Tensor& x, const Tensor& y) { return evaluate(*model, x, y, pre.get()); }); });
    EpochMetrics m{epoch + 1, loss_sum / static_cast<double>(seen), static_cast<double>(correct) / static_cast<double>(seen),
                   test_loss, test_acc, lr_used, epoch_seconds, nullptr};
    std::printf("epoch %lld/%lld  train loss %.4f acc %.4f  %s loss %.4f acc %.4f  lr %.3g  %.1fs\n",
                static_cast<long long>(m.epoch), static_cast<long long>(o.epochs), m.train_loss, m.train_accuracy,
                eval_name, m.test_loss, m.test_accuracy, m.lr, m.seconds);
    m.diagnostics = extras.end_epoch(m.epoch, o.plot);
    history.push_back(m);
    std::fflush(stdout);
    if (!o.checkpoint.empty()) train::check_finite_state(*model, epoch + 1, o.checkpoint);
    if (!o.checkpoint.empty())
      save_checkpoint(o.checkpoint, *model, *opt, sched.get(), pre.get(), epoch + 1, history, options_json,
                      extras.state());
    if (!o.metrics.empty()) train::write_metrics(o.metrics, history);
    if (!o.plot.empty()) train::write_plot(o.plot, history);
  }

  const EpochMetrics last = history.empty() ? EpochMetrics{} : history.back();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const int64_t trained_epochs = o.epochs - start_epoch;
  nlohmann::json summary = {
      {"model", o.model.kind},
      {"evaluated_on", eval_name},
      {"test_accuracy", std::round(last.test_accuracy * 1e4) / 1e4},
      {"test_loss", std::round(last.test_loss * 1e4) / 1e4},
      {"epochs", last.epoch},
      {"seconds", std::round(seconds * 10) / 10},
      {"samples_per_second",
       train_seconds > 0 ? std::round(static_cast<double>(n_train * trained_epochs) / train_seconds) : 0.0},
      {"parameter_checksum", parameter_checksum(*model)}};
  std::printf("%s\n", summary.dump().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string hidden = "512,256";
  bool no_batchnorm = false;
  CLI::App app{"tapegrad-train: train a model on Fashion-MNIST"};
  app.add_option("--model", o.model.kind, "mlp or cnn")->check(CLI::IsMember({"mlp", "cnn"}))->capture_default_str();
  app.add_option("--hidden", hidden, "hidden layer sizes (cnn: the dense layer)")->capture_default_str();
  app.add_option("--epochs", o.epochs)->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--batch-size", o.batch_size)->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--optimizer", o.optimizer)
      ->check(CLI::IsMember({"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"}))
      ->capture_default_str();
  app.add_option("--lr", o.lr, "learning rate (default: 0.05 for SGD variants, 0.01 AdaGrad, 1e-3 otherwise)")
      ->check(CLI::PositiveNumber);
  app.add_option("--lr-schedule", o.schedule)
      ->check(CLI::IsMember({"none", "step", "cosine", "onecycle"}))
      ->capture_default_str();
  app.add_option("--weight-decay", o.weight_decay)->check(CLI::NonNegativeNumber)->capture_default_str();
  app.add_option("--init", o.model.init)->check(CLI::IsMember({"xavier", "he", "lecun", "small"}))->capture_default_str();
  app.add_option("--dropout", o.model.dropout)->check(CLI::Range(0.0, 0.99))->capture_default_str();
  app.add_option("--dropconnect", o.model.dropconnect)->check(CLI::Range(0.0, 0.99))->capture_default_str();
  app.add_flag("--batchnorm", o.model.batchnorm, "use BatchNorm (default)");
  app.add_flag("--no-batchnorm", no_batchnorm, "no BatchNorm");
  app.add_option("--augment", o.augment, "comma list of flip,crop,affine,noise,erase,jitter");
  app.add_option("--preprocess", o.preprocess)
      ->check(CLI::IsMember({"none", "zero-center", "normalize", "whiten", "zca-whiten", "pca-whiten"}))
      ->capture_default_str();
  app.add_option("--threads", o.threads, "OpenMP and BLAS threads (default: all cores)")->check(CLI::NonNegativeNumber);
  app.add_option("--workers", o.workers, "data loader threads")->check(CLI::Range(0, 64))->capture_default_str();
  app.add_option("--seed", o.seed)->capture_default_str();
  app.add_option("--data-dir", o.data_dir)->capture_default_str();
  app.add_option("--checkpoint", o.checkpoint, "save the training state here after every epoch");
  app.add_option("--resume", o.resume, "continue from a checkpoint")->check(CLI::ExistingFile);
  app.add_option("--metrics", o.metrics, "per-epoch metrics file, .csv or .jsonl");
  app.add_option("--plot", o.plot, "loss/accuracy picture, .svg or .png");
  app.add_option("--train-samples", o.train_samples, "use only the first N training images")->check(CLI::NonNegativeNumber);
  app.add_option("--test-samples", o.test_samples, "use only the first N test images")->check(CLI::NonNegativeNumber);
  app.add_flag("--detect-anomaly", o.detect_anomaly, "on NaN/Inf, name the module (forward) or op (backward) that made it");
  app.add_flag("--diagnostics", o.insight.diagnostics,
               "per-epoch table of activation statistics, dead ReLUs, gradient norms and update/weight ratios");
  app.add_option("--max-norm", o.insight.max_norm, "clamp each unit's incoming weight vector to this L2 norm")
      ->check(CLI::PositiveNumber);
  app.add_option("--ema", o.insight.ema, "evaluate with an exponential moving average of the weights (decay)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_flag("--sanity", o.sanity, "check the initial loss and overfitting 20 samples, then exit");
  app.add_option("--val-split", o.val_split, "evaluate on this fraction of the training images, held out")
      ->check(CLI::Range(0.0, 0.9));
  std::string search_lr = "1e-4,1e-1", search_wd = "0,0", search_dropout = "0,0.5", search_batch = "64,128,256";
  app.add_option("--search", o.search, "random hyperparameter search with N trials")->check(CLI::PositiveNumber);
  app.add_option("--search-lr", search_lr, "lr range MIN,MAX (log-uniform)")->capture_default_str();
  app.add_option("--search-weight-decay", search_wd, "range MIN,MAX (log-uniform; uniform if MIN is 0)")
      ->capture_default_str();
  app.add_option("--search-dropout", search_dropout, "range MIN,MAX (uniform)")->capture_default_str();
  app.add_option("--search-batch-size", search_batch, "batch sizes to choose from")->capture_default_str();
  app.add_option("--search-epochs", o.search_space.epochs, "epochs per trial")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--search-dir", o.search_space.dir, "trial logs, search.csv and search.svg")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::fprintf(stderr, "tapegrad-train: error: %s\n", e.what());
    return 2;
  }
  try {
    if (no_batchnorm) o.model.batchnorm = false;
    o.model.hidden.clear();
    for (const std::string& h : split_list(hidden)) {
      size_t used = 0;
      const long long v = std::stoll(h, &used);
      TG_CHECK(used == h.size() && v > 0, "--hidden: '{}' is not a positive integer", h);
      o.model.hidden.push_back(v);
    }
    TG_CHECK(!o.model.hidden.empty(), "--hidden: give at least one size");
    if (!o.plot.empty())
      TG_CHECK(o.plot.ends_with(".svg") || o.plot.ends_with(".png"), "--plot: {} must end in .svg or .png", o.plot);
    // Output files may go into folders that do not exist yet (make train writes to runs/).
    for (const std::string* path : {&o.checkpoint, &o.metrics, &o.plot})
      if (!path->empty() && std::filesystem::path(*path).has_parent_path())
        std::filesystem::create_directories(std::filesystem::path(*path).parent_path());
    if (o.search > 0) {
      auto range = [](const std::string& flag, const std::string& text, double& lo, double& hi) {
        const std::vector<std::string> parts = split_list(text);
        TG_CHECK(parts.size() == 2, "{}: expected MIN,MAX, got '{}'", flag, text);
        auto number = [&](const std::string& t) {
          char* end = nullptr;
          const double v = std::strtod(t.c_str(), &end);
          TG_CHECK(end != t.c_str() && *end == '\0', "{}: '{}' is not a number", flag, t);
          return v;
        };
        lo = number(parts[0]);
        hi = number(parts[1]);
        TG_CHECK(lo >= 0 && hi >= lo, "{}: expected 0 <= MIN <= MAX, got '{}'", flag, text);
      };
      train::SearchSpace& space = o.search_space;
      range("--search-lr", search_lr, space.lr_min, space.lr_max);
      TG_CHECK(space.lr_min > 0, "--search-lr: the minimum must be positive (log-uniform), got '{}'", search_lr);
      range("--search-weight-decay", search_wd, space.wd_min, space.wd_max);
      range("--search-dropout", search_dropout, space.dropout_min, space.dropout_max);
      TG_CHECK(space.dropout_max < 1, "--search-dropout: the maximum must be below 1, got '{}'", search_dropout);
      space.batch_sizes.clear();
      for (const std::string& b : split_list(search_batch)) {
        char* end = nullptr;
        space.batch_sizes.push_back(std::strtoll(b.c_str(), &end, 10));
        TG_CHECK(*end == '\0', "--search-batch-size: '{}' is not an integer", b);
      }
      TG_CHECK(!space.batch_sizes.empty() && *std::min_element(space.batch_sizes.begin(), space.batch_sizes.end()) > 0,
               "--search-batch-size: expected positive sizes, got '{}'", search_batch);
      if (o.val_split > 0) space.val_split = o.val_split;
      // Each trial is this program with the sampled values; what the trial sets itself is removed.
      std::vector<std::string> args(argv, argv + argc);
      args[0] = std::filesystem::read_symlink("/proc/self/exe").string();
      args = train::strip_options(args,
                                  {"--search", "--search-lr", "--search-weight-decay", "--search-dropout",
                                   "--search-batch-size", "--search-epochs", "--search-dir", "--epochs", "--lr",
                                   "--weight-decay", "--dropout", "--batch-size", "--val-split", "--checkpoint",
                                   "--resume", "--metrics", "--plot"},
                                  {"--sanity", "--diagnostics"});
      return train::run_search(space, o.search, o.seed, args);
    }
    const nlohmann::json options_json = {{"model", o.model.kind}, {"hidden", o.model.hidden}, {"optimizer", o.optimizer},
                                         {"schedule", o.schedule},  {"preprocess", o.preprocess}, {"seed", o.seed}};
    train::Distributed dist;  // under mpirun: one shard per rank; only rank 0 prints and writes files
    dist.keep_files_on_root(o.checkpoint, o.metrics, o.plot);
    return run(o, options_json, dist);
  } catch (const std::invalid_argument&) {
    std::fprintf(stderr, "tapegrad-train: error: --hidden: expected a comma list of integers, got '%s'\n", hidden.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tapegrad-train: error: %s\n", e.what());
  }
  return 1;
}
