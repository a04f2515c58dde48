// Micro-benchmarks for the protocol library: parsing a pipelined burst of
// SET commands and building the matching burst of bulk replies, the two
// protocol costs on every request. Linked with benchmark::benchmark_main.
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "benchmark/benchmark.h"
#include "protocol/reply_builder.h"
#include "protocol/request_parser.h"

namespace shoal {
namespace {

constexpr int kPipeline = 16;
constexpr std::string_view kValue = "0123456789abcdef0123456789abcdef";  // 32 bytes.

std::string Key(int i) {
  char key[16];
  std::snprintf(key, sizeof(key), "key:%06d", i);
  return key;
}

// kPipeline `SET key:NNNNNN <32-byte value>` commands, back to back.
std::string SetPipeline() {
  std::string out;
  for (int i = 0; i < kPipeline; ++i) {
    std::string key = Key(i);
    out += "*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n$" +
           std::to_string(kValue.size()) + "\r\n" + std::string(kValue) + "\r\n";
  }
  return out;
}

void BM_ParsePipelinedSets(benchmark::State& state) {
  const std::string stream = SetPipeline();
  RequestParser parser;
  std::vector<std::string_view> args;
  for (auto _ : state) {
    std::string_view rest = stream;
    size_t consumed = 0;
    while (parser.Parse(rest, &consumed, &args) == ParseStatus::kOk) {
      benchmark::DoNotOptimize(args.data());
      rest.remove_prefix(consumed);
    }
  }
  state.SetItemsProcessed(state.iterations() * kPipeline);
  state.SetBytesProcessed(state.iterations() * stream.size());
}
BENCHMARK(BM_ParsePipelinedSets);

// The same stream arriving in 64-byte reads: exercises resumption.
void BM_ParsePipelinedSetsInSmallReads(benchmark::State& state) {
  const std::string stream = SetPipeline();
  RequestParser parser;
  std::vector<std::string_view> args;
  for (auto _ : state) {
    size_t start = 0;
    size_t received = 0;
    while (start < stream.size()) {
      received = std::min(stream.size(), received + 64);
      size_t consumed = 0;
      while (parser.Parse(std::string_view(stream).substr(start, received - start), &consumed,
                          &args) == ParseStatus::kOk) {
        benchmark::DoNotOptimize(args.data());
        start += consumed;
      }
      start += consumed;  // Skipped empty commands, if any.
    }
  }
  state.SetItemsProcessed(state.iterations() * kPipeline);
}
BENCHMARK(BM_ParsePipelinedSetsInSmallReads);

void BM_BuildBulkReplies(benchmark::State& state) {
  ReplyBuilder rb(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    for (int i = 0; i < kPipeline; ++i) rb.Bulk(kValue);
    benchmark::DoNotOptimize(rb.buffer().data());
    rb.Clear();
  }
  state.SetItemsProcessed(state.iterations() * kPipeline);
}
BENCHMARK(BM_BuildBulkReplies)->Arg(2)->Arg(3);

void BM_BuildIntegerReplies(benchmark::State& state) {
  ReplyBuilder rb;
  for (auto _ : state) {
    for (int i = 0; i < kPipeline; ++i) rb.Integer(1000003 * i);
    benchmark::DoNotOptimize(rb.buffer().data());
    rb.Clear();
  }
  state.SetItemsProcessed(state.iterations() * kPipeline);
}
BENCHMARK(BM_BuildIntegerReplies);

}  // namespace
}  // namespace shoal
