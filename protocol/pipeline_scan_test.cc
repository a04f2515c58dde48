// ScanPipelineKeys: the keys of complete requests, and nothing past the
// first incomplete or malformed one.
#include "protocol/pipeline_scan.h"

#include <gtest/gtest.h>

#include <string>

namespace shoal {
namespace {

TEST(PipelineScanTest, SecondArgumentOfEachCompleteRequest) {
  const std::string buf =
      "*2\r\n$3\r\nGET\r\n$3\r\nabc\r\n"
      "*3\r\n$3\r\nSET\r\n$5\r\nk\r\n12\r\n$2\r\nvv\r\n"  // a key holding CRLF
      "*1\r\n$4\r\nPING\r\n"
      "*2\r\n$4\r\nINCR\r\n$0\r\n\r\n";
  std::string_view keys[8];
  ASSERT_EQ(ScanPipelineKeys(buf, keys, 8), 4u);
  EXPECT_EQ(keys[0], "abc");
  EXPECT_EQ(keys[1], "k\r\n12");
  EXPECT_EQ(keys[2], "");
  EXPECT_EQ(keys[3], "");
}

TEST(PipelineScanTest, StopsAtMaxAndAtAnIncompleteRequest) {
  std::string buf;
  for (int i = 0; i < 5; ++i) buf += "*2\r\n$3\r\nGET\r\n$2\r\nk" + std::to_string(i) + "\r\n";
  std::string_view keys[8];
  EXPECT_EQ(ScanPipelineKeys(buf, keys, 3), 3u);
  EXPECT_EQ(keys[2], "k2");
  // Cut anywhere inside the last request: only the complete ones count.
  for (size_t cut = 1; cut < 17; ++cut) {
    EXPECT_EQ(ScanPipelineKeys(std::string_view(buf).substr(0, buf.size() - cut), keys, 8), 4u)
        << cut;
  }
  EXPECT_EQ(ScanPipelineKeys(buf, keys, 8), 5u);
}

TEST(PipelineScanTest, MalformedOrInlineRequestsEndTheScan) {
  std::string_view keys[4];
  EXPECT_EQ(ScanPipelineKeys("GET abc\r\n", keys, 4), 0u);                       // inline
  EXPECT_EQ(ScanPipelineKeys("*2\r\n$3\r\nGET\r\n$9\r\nabc\r\n", keys, 4), 0u);  // short bulk
  EXPECT_EQ(ScanPipelineKeys("*2\r\n$3\r\nGETX\r\n$1\r\na\r\n", keys, 4), 0u);   // no CRLF
  EXPECT_EQ(ScanPipelineKeys("*-1\r\n", keys, 4), 0u);
  EXPECT_EQ(ScanPipelineKeys("*0\r\n", keys, 4), 0u);
  EXPECT_EQ(ScanPipelineKeys("*2\r\n$-1\r\n", keys, 4), 0u);
  EXPECT_EQ(ScanPipelineKeys("*99999999999999\r\n", keys, 4), 0u);
  EXPECT_EQ(ScanPipelineKeys("*2\r\n$99999999999999\r\nx", keys, 4), 0u);
  EXPECT_EQ(ScanPipelineKeys("*2000\r\n$1\r\na\r\n", keys, 4), 0u);  // too many args
  EXPECT_EQ(ScanPipelineKeys("", keys, 4), 0u);
}

}  // namespace
}  // namespace shoal
