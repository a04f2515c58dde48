// UringLoop on socketpairs: the multishot recv, sends, cancels, the wait's
// timeout, a large transfer through the provided buffers (the recv ends
// when they run out and is armed again, as Connection does), and the
// buffer ring's growth: it stays small for one client and grows for many.
#include "server/net/uring_loop.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

namespace shoal {
namespace {

struct Recorder : UringLoop::Handler {
  struct Event {
    UringLoop::Op op;
    int32_t res;
    bool more;
    std::string data;
  };
  std::vector<Event> events;
  void OnCompletion(UringLoop::Op op, int32_t res, bool more, std::string_view data) override {
    events.push_back({op, res, more, std::string(data)});
  }
  int Count(UringLoop::Op op) const {
    int n = 0;
    for (const Event& e : events) n += e.op == op;
    return n;
  }
};

class UringLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(UringLoop::Probe(&why)) << "io_uring engine unavailable here: " << why;
    ring_ = UringLoop::Create(&why);
    ASSERT_NE(ring_, nullptr) << why;
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv_), 0);
  }
  void TearDown() override {
    ring_.reset();  // cancels whatever is still armed
    close(sv_[0]);
    close(sv_[1]);
  }
  std::unique_ptr<UringLoop> ring_;
  int sv_[2] = {-1, -1};
};

TEST_F(UringLoopTest, MultishotRecvDeliversEachWriteAndStaysArmed) {
  Recorder r;
  ring_->Recv(sv_[0], &r);
  ring_->Pump();
  ASSERT_EQ(write(sv_[1], "hello", 5), 5);
  for (int i = 0; i < 20 && r.events.empty(); ++i) ring_->Wait(50);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].op, UringLoop::kRecv);
  EXPECT_EQ(r.events[0].res, 5);
  EXPECT_EQ(r.events[0].data, "hello");
  EXPECT_TRUE(r.events[0].more);
  ASSERT_EQ(write(sv_[1], "again", 5), 5);
  for (int i = 0; i < 20 && r.events.size() < 2; ++i) ring_->Wait(50);
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[1].data, "again");
}

TEST_F(UringLoopTest, PeerCloseEndsTheRecvWithZero) {
  Recorder r;
  ring_->Recv(sv_[0], &r);
  ring_->Pump();
  close(sv_[1]);
  sv_[1] = socket(AF_UNIX, SOCK_STREAM, 0);  // TearDown closes something
  for (int i = 0; i < 20 && r.events.empty(); ++i) ring_->Wait(50);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].res, 0);
  EXPECT_FALSE(r.events[0].more);
}

TEST_F(UringLoopTest, SendCompletesWithTheBytesTaken) {
  Recorder r;
  ring_->Send(sv_[0], "abc", 3, &r);
  for (int i = 0; i < 20 && r.events.empty(); ++i) ring_->Wait(50);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].op, UringLoop::kSend);
  EXPECT_EQ(r.events[0].res, 3);
  char buf[8];
  EXPECT_EQ(read(sv_[1], buf, sizeof(buf)), 3);
  EXPECT_EQ(std::string(buf, 3), "abc");
}

TEST_F(UringLoopTest, CancelAllEndsAnArmedRecv) {
  Recorder r;
  ring_->Recv(sv_[0], &r);
  ring_->Pump();
  ring_->CancelAll(sv_[0], &r);
  for (int i = 0; i < 20 && r.events.size() < 2; ++i) ring_->Wait(50);
  ASSERT_EQ(r.Count(UringLoop::kRecv), 1);
  ASSERT_EQ(r.Count(UringLoop::kCancel), 1);
  for (const auto& e : r.events) {
    if (e.op == UringLoop::kRecv) {
      EXPECT_EQ(e.res, -ECANCELED);
      EXPECT_FALSE(e.more);
    } else {
      EXPECT_EQ(e.res, 1);  // one op cancelled
    }
  }
}

TEST_F(UringLoopTest, WaitTimesOutWithoutCompletions) {
  EXPECT_FALSE(ring_->Wait(20));
}

TEST_F(UringLoopTest, LargeTransferArrivesWholeAndInOrder) {
  // More than the (at most) 128 × 4 KB of provided buffers: the recv ends
  // with -ENOBUFS when they run out; armed again, it must lose nothing.
  const unsigned first = ring_->provided_buffers();
  std::string sent;
  for (int i = 0; sent.size() < (2u << 20); ++i) sent += std::to_string(i) + ",";
  Recorder r;
  std::string got;
  bool armed = false;
  size_t off = 0;
  for (int rounds = 0; got.size() < sent.size() && rounds < 100000; ++rounds) {
    if (!armed) {
      ring_->Recv(sv_[0], &r);
      armed = true;
    }
    if (off < sent.size()) {
      ssize_t n = write(sv_[1], sent.data() + off, sent.size() - off);
      if (n > 0) off += n;
    }
    ring_->Wait(10);
    for (const auto& e : r.events) {
      ASSERT_EQ(e.op, UringLoop::kRecv);
      if (e.res > 0) got += e.data;
      if (e.res < 0) {
        ASSERT_EQ(e.res, -ENOBUFS);
      }
      if (!e.more) armed = false;
    }
    r.events.clear();
  }
  EXPECT_EQ(got.size(), sent.size());
  EXPECT_TRUE(got == sent);
  // It ran dry while the socket held more than the ring: the ring grew.
  EXPECT_GT(ring_->provided_buffers(), first);
  EXPECT_LE(ring_->provided_buffers(), 128u);
}

TEST_F(UringLoopTest, OneClientKeepsTheFirstBuffers) {
  // Request, reply, request...: one buffer at a time is all it takes, so
  // the ring never runs dry and no buffer beyond the first ones is written.
  const unsigned first = ring_->provided_buffers();
  ASSERT_GT(first, 0u);
  ASSERT_LT(first, 128u);
  Recorder r;
  ring_->Recv(sv_[0], &r);
  ring_->Pump();
  for (int i = 0; i < 500; ++i) {
    const std::string msg = "*1\r\n$4\r\nPING\r\n" + std::to_string(i);
    ASSERT_EQ(write(sv_[1], msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
    for (int w = 0; w < 20 && r.events.empty(); ++w) ring_->Wait(50);
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].data, msg);
    EXPECT_TRUE(r.events[0].more);
    r.events.clear();
  }
  EXPECT_EQ(ring_->provided_buffers(), first);
}

TEST_F(UringLoopTest, BuffersReleasedWhileIdleStillReceive) {
  // A release with no data since the last call drops the buffers' pages;
  // the kernel writes the next bytes into fresh pages, intact.
  Recorder r;
  ring_->Recv(sv_[0], &r);
  ring_->Pump();
  for (int i = 0; i < 3; ++i) {
    const std::string msg(3000, static_cast<char>('a' + i));
    ASSERT_EQ(write(sv_[1], msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
    std::string got;
    for (int w = 0; w < 40 && got.size() < msg.size(); ++w) {
      ring_->Wait(50);
      for (const auto& e : r.events) got += e.data;
      r.events.clear();
    }
    EXPECT_EQ(got, msg);
    ring_->ReleaseIdleBuffers();  // busy since the last call: keeps them
    ring_->ReleaseIdleBuffers();  // idle: releases
  }
}

TEST_F(UringLoopTest, ManyClientsAtOnceGrowTheRingAndLoseNothing) {
  // 60 connections with data in the same turn need 60 buffers at once:
  // the recvs beyond the first buffers end with -ENOBUFS, the ring grows
  // by one buffer for each, and the re-armed recvs get their bytes.
  constexpr int kClients = 60;
  const unsigned first = ring_->provided_buffers();
  ASSERT_LT(first, static_cast<unsigned>(kClients));
  std::vector<std::array<int, 2>> pairs(kClients);
  std::vector<Recorder> recs(kClients);
  for (auto& p : pairs) {
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p.data()), 0);
  }
  std::vector<bool> armed(kClients, false);
  std::vector<std::string> got(kClients);
  auto arm = [&] {
    for (int i = 0; i < kClients; ++i) {
      if (!armed[i]) {
        ring_->Recv(pairs[i][0], &recs[i]);
        armed[i] = true;
      }
    }
  };
  auto take = [&] {
    for (int i = 0; i < kClients; ++i) {
      for (const auto& e : recs[i].events) {
        ASSERT_EQ(e.op, UringLoop::kRecv);
        if (e.res > 0) got[i] += e.data;
        if (e.res < 0) {
          ASSERT_EQ(e.res, -ENOBUFS);
        }
        if (!e.more) armed[i] = false;
      }
      recs[i].events.clear();
    }
  };
  arm();
  ring_->Pump();
  for (int i = 0; i < kClients; ++i) {
    const std::string msg = "client " + std::to_string(i);
    ASSERT_EQ(write(pairs[i][1], msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
  }
  auto done = [&] {
    for (int i = 0; i < kClients; ++i) {
      if (got[i] != "client " + std::to_string(i)) return false;
    }
    return true;
  };
  for (int rounds = 0; rounds < 100 && !done(); ++rounds) {
    ring_->Wait(20);
    take();
    arm();
  }
  EXPECT_TRUE(done());
  EXPECT_GT(ring_->provided_buffers(), first);
  EXPECT_LE(ring_->provided_buffers(), 128u);
  for (auto& p : pairs) ring_->CancelAll(p[0], &recs[0]);
  for (int i = 0; i < 10; ++i) ring_->Wait(10);
  for (auto& p : pairs) {
    close(p[0]);
    close(p[1]);
  }
}

TEST_F(UringLoopTest, TimeoutCompletesWithEtimeNoSooner) {
  Recorder r;
  const auto start = std::chrono::steady_clock::now();
  ring_->Timeout(30, &r);
  for (int i = 0; i < 20 && r.events.empty(); ++i) ring_->Wait(-1);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].op, UringLoop::kTimeout);
  EXPECT_EQ(r.events[0].res, -ETIME);
  EXPECT_GE(waited, std::chrono::milliseconds(30));
}

TEST_F(UringLoopTest, CancelledTimeoutEndsWithEcanceledAndNeverFires) {
  Recorder r;
  ring_->Timeout(20, &r);
  ring_->Pump();
  ring_->CancelTimeout(&r);
  for (int i = 0; i < 20 && r.events.size() < 2; ++i) ring_->Wait(50);
  ASSERT_EQ(r.events.size(), 2u);
  int timeouts = 0;
  for (const Recorder::Event& e : r.events) {
    if (e.op == UringLoop::kTimeout) {
      ++timeouts;
      EXPECT_EQ(e.res, -ECANCELED);
    } else {
      EXPECT_EQ(e.op, UringLoop::kCancel);
      EXPECT_EQ(e.res, 0);  // it found the timeout
    }
  }
  EXPECT_EQ(timeouts, 1);
  // Past the time it would have fired: nothing more comes.
  ring_->Wait(60);
  EXPECT_EQ(r.events.size(), 2u);
}

}  // namespace
}  // namespace shoal
