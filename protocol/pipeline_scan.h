// PipelineScan: a look ahead at the requests already buffered behind the
// one about to run, without parsing them: the second argument (the key, for
// most commands) of each complete multibulk request at the head of a
// buffer. The connection hands these to the store as prefetch hints, so
// that the cache misses of a pipeline's lookups overlap instead of coming
// one after another (docs/benchmarks.md, "Pipelines prefetch").
//
// Invariants: reads only within `buf`; stops at the first request that is
// incomplete, inline, or not well-formed (the parser, not this, answers
// those); views point into `buf`. What it returns is a hint: a request
// whose second argument is not a key costs one useless prefetch.
#ifndef SHOAL_PROTOCOL_PIPELINE_SCAN_H_
#define SHOAL_PROTOCOL_PIPELINE_SCAN_H_

#include <cstddef>
#include <string_view>

namespace shoal {

// Fills out[0..n) with the second argument of each of the first n complete
// requests in `buf` (n <= max); a request with a single argument counts but
// gives an empty view. Returns n.
size_t ScanPipelineKeys(std::string_view buf, std::string_view* out, size_t max);

}  // namespace shoal

#endif  // SHOAL_PROTOCOL_PIPELINE_SCAN_H_
