// util::WorkerPool: jobs on every thread, bounded by count and weight, stopped at the first error.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include "util/worker_pool.hpp"

namespace ifnbackup::util {
namespace {

TEST(WorkerPool, RunsEveryJobAndWaitsForThem) {
  std::atomic<int> done{0};
  std::atomic<unsigned> highest_thread{0};
  WorkerPool pool(3);
  for (int i = 0; i < 100; ++i) {
    pool.submit([&](unsigned thread) {
      unsigned seen = highest_thread.load();
      while (thread > seen && !highest_thread.compare_exchange_weak(seen, thread)) {
      }
      ++done;
    });
  }
  pool.wait_idle();
  EXPECT_EQ(done.load(), 100);
  EXPECT_LT(highest_thread.load(), 3u) << "a job is told its thread, 0 to threads - 1";
}

TEST(WorkerPool, HeavyJobsRunWithinTheWeightAndOneAloneWhenHeavierStill) {
  std::atomic<std::size_t> held{0};
  std::atomic<std::size_t> most{0};
  WorkerPool pool(4, WorkerPool::Limits{8, 100});
  auto job = [&](std::size_t weight) {
    return [&, weight](unsigned) {
      const std::size_t now = held += weight;
      std::size_t seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      held -= weight;
    };
  };
  for (int i = 0; i < 20; ++i) {
    pool.submit(job(40), 40);
  }
  pool.wait_idle();
  EXPECT_LE(most.load(), 80u) << "two jobs of 40 fit in 100, three do not";
  most = 0;
  pool.submit(job(250), 250);
  pool.submit(job(250), 250);
  pool.wait_idle();
  EXPECT_EQ(most.load(), 250u) << "a job heavier than the limit runs, alone";
}

// The restore's reader asks for room before it holds more of the statement it is cutting.
TEST(WorkerPool, RoomIsGivenWhenTheJobsHeldLeaveIt) {
  WorkerPool pool(1, WorkerPool::Limits{8, 100});
  pool.wait_for_room(1000);  // nothing held: any size
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> job_done{false};
  pool.submit(
      [&](unsigned) {
        released.wait();
        job_done = true;
      },
      70);
  pool.wait_for_room(30);  // 70 + 30 fit in 100
  std::atomic<bool> room{false};
  std::thread reader([&] {
    pool.wait_for_room(31);
    room = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(room.load()) << "70 + 31 do not fit in 100 while the job holds its 70";
  release.set_value();
  reader.join();
  EXPECT_TRUE(room.load());
  EXPECT_TRUE(job_done.load()) << "room came when the job had left";
}

TEST(WorkerPool, TheFirstErrorIsThrownAndNoJobStartsAfterIt) {
  std::atomic<int> after{0};
  WorkerPool pool(2);
  pool.submit([](unsigned) { throw std::runtime_error("first"); });
  EXPECT_THROW(pool.wait_idle(), std::runtime_error);
  try {
    pool.submit([&](unsigned) { ++after; });
    ADD_FAILURE() << "submit after an error did not throw";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "first");
  }
  EXPECT_EQ(after.load(), 0);
}

TEST(WorkerPool, StoppingDropsTheJobsNotStarted) {
  std::atomic<int> ran{0};
  {
    std::promise<void> started;
    std::promise<void> queued;
    std::shared_future<void> all_queued = queued.get_future().share();
    WorkerPool pool(1);
    // The running job ends only after the ten are queued, and some time after, while the pool is being
    // stopped (not 50 ms after it began, which a loaded machine could spend queueing the ten).
    pool.submit([&, all_queued](unsigned) {
      started.set_value();
      all_queued.wait();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      ++ran;
    });
    started.get_future().wait();
    for (int i = 0; i < 10; ++i) {
      pool.submit([&](unsigned) { ++ran; });
    }
    queued.set_value();
  }
  EXPECT_EQ(ran.load(), 1) << "the running job ends; the queued ones are dropped";
}

}  // namespace
}  // namespace ifnbackup::util
