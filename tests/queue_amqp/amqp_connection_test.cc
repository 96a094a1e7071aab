// AmqpConnection against a real RabbitMQ (started privately on loopback) and against nothing.
#include "queue/amqp/amqp_connection.h"

#include <gtest/gtest.h>

#include "support/loopback_port.h"
#include "support/rabbitmq_fixture.h"
#include "util/error.h"

namespace unpackd::amqp {
namespace {

using std::chrono::milliseconds;
using testing::RabbitMqFixture;

// Receives until a delivery comes (the broker pushes asynchronously).
AmqpDelivery Next(AmqpConnection& connection) {
  for (int i = 0; i < 100; ++i) {
    if (auto delivery = connection.Receive(milliseconds(100))) return *delivery;
  }
  throw std::runtime_error("no delivery within 10 s");
}

TEST(AmqpConnectionTest, NoBrokerIsATransientConnectFailure) {
  AmqpEndpoint endpoint;
  endpoint.host = "127.0.0.1";
  endpoint.port = testing::FreeLoopbackPort();
  endpoint.password = "hunter2";
  try {
    AmqpConnection connection(endpoint, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransient);
    EXPECT_EQ(e.code(), "amqp-connect-failed");
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(endpoint.port)),
              std::string::npos);
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos);
  }
}

TEST(AmqpConnectionTest, ConsumesWithManualAcksAndPrefetchAgainstRabbitMq) {
  if (!RabbitMqFixture::Installed()) GTEST_SKIP() << RabbitMqFixture::kNotInstalled;
  RabbitMqFixture rabbit;

  // Wrong password: refused, and said so.
  AmqpEndpoint wrong = rabbit.endpoint();
  wrong.password = "not-guest";
  try {
    AmqpConnection refused(wrong, {});
    ADD_FAILURE() << "logged in with a wrong password";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kAccessDenied) << e.what();
    EXPECT_EQ(std::string(e.what()).find("not-guest"), std::string::npos);
  }

  const auto admin = rabbit.Connect();
  admin->DeclareExchange("events", "topic");
  admin->DeclareQueue("dead", {});
  AmqpQueueOptions options;
  options.dead_letter_exchange = "";
  options.dead_letter_routing_key = "dead";
  admin->DeclareQueue("work", options);
  admin->BindQueue("work", "events", "s3.#");
  for (const char* body : {"one", "two", "three"}) admin->Publish("events", "s3.put", body);
  admin->Publish("events", "other", "unrouted");

  const auto consumer = rabbit.Connect();
  consumer->SetPrefetch(2);
  consumer->Consume("work");
  const AmqpDelivery one = Next(*consumer);
  const AmqpDelivery two = Next(*consumer);
  EXPECT_EQ(one.body, "one");
  EXPECT_EQ(one.routing_key, "s3.put");
  EXPECT_EQ(one.exchange, "events");
  EXPECT_FALSE(one.redelivered);
  EXPECT_EQ(two.body, "two");
  // Two unacknowledged: the third waits in the queue.
  EXPECT_FALSE(consumer->Receive(milliseconds(300)).has_value());
  EXPECT_EQ(admin->InspectQueue("work").messages, 1u);

  consumer->Ack(one.delivery_tag);
  consumer->Nack(two.delivery_tag, /*requeue=*/true);
  // The third and the requeued second arrive (in the broker's order), the second marked.
  AmqpDelivery a = Next(*consumer);
  AmqpDelivery b = Next(*consumer);
  if (a.body != "two") std::swap(a, b);
  EXPECT_EQ(a.body, "two");
  EXPECT_TRUE(a.redelivered);
  EXPECT_EQ(b.body, "three");
  consumer->Reject(a.delivery_tag, /*requeue=*/false);
  consumer->Nack(b.delivery_tag, /*requeue=*/false);
  for (int i = 0; i < 50 && admin->InspectQueue("dead").messages < 2; ++i) {
    consumer->Receive(milliseconds(100));
  }
  EXPECT_EQ(admin->InspectQueue("dead").messages, 2u);
  EXPECT_EQ(admin->InspectQueue("work").messages, 0u);

  // A refusal names the queue and leaves a 404.
  try {
    admin->InspectQueue("absent");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_EQ(e.code(), "amqp-404");
    EXPECT_NE(std::string(e.what()).find("absent"), std::string::npos);
  }

  // The broker going away is a lost connection, not a hang or a crash.
  rabbit.Stop();
  try {
    for (int i = 0; i < 100; ++i) consumer->Receive(milliseconds(100));
    ADD_FAILURE() << "no error after the broker stopped";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransient) << e.what();
  }
}

}  // namespace
}  // namespace unpackd::amqp
