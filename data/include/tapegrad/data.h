// Everything in data/: datasets, samplers, the DataLoader (namespace tg::data).
#pragma once

#include <tapegrad/data/augment.h>
#include <tapegrad/data/csv.h>
#include <tapegrad/data/dataset.h>
#include <tapegrad/data/distributed_sampler.h>
#include <tapegrad/data/idx.h>
#include <tapegrad/data/loader.h>
#include <tapegrad/data/mnist.h>
#include <tapegrad/data/preprocess.h>
#include <tapegrad/data/rng.h>
#include <tapegrad/data/sampler.h>
