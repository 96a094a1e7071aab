#include "queue/amqp/amqp_url.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace unpackd::amqp {
namespace {

TEST(AmqpUrlTest, ReadsEveryPartAndDecodesTheVhost) {
  const AmqpEndpoint endpoint = ParseAmqpUrl("amqp://unpackd:s%40cret@mq.example:5673/prod%2fs3");
  EXPECT_EQ(endpoint.host, "mq.example");
  EXPECT_EQ(endpoint.port, 5673);
  EXPECT_EQ(endpoint.user, "unpackd");
  EXPECT_EQ(endpoint.password, "s@cret");
  EXPECT_EQ(endpoint.vhost, "prod/s3");
}

TEST(AmqpUrlTest, DefaultsAreRabbitMqs) {
  const AmqpEndpoint endpoint = ParseAmqpUrl("amqp://localhost");
  EXPECT_EQ(endpoint.port, 5672);
  EXPECT_EQ(endpoint.user, "guest");
  EXPECT_EQ(endpoint.password, "guest");
  EXPECT_EQ(endpoint.vhost, "/");
  EXPECT_EQ(ParseAmqpUrl("amqp://h/%2f").vhost, "/");
}

TEST(AmqpUrlTest, DescriptionNeverHoldsThePassword) {
  const std::string text = ParseAmqpUrl("amqp://u:hunter2@h:1/v").Describe();
  EXPECT_EQ(text, "h:1 vhost v, user u");
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
}

TEST(AmqpUrlTest, RefusesWhatIsNoAmqpUrlWithoutRepeatingIt) {
  for (const char* url : {"", "http://h/", "amqp://u:hunter2@h:notaport/",
                          "amqp://u:hunter2@h:70000/", "amqps://u:hunter2@h/"}) {
    try {
      ParseAmqpUrl(url);
      ADD_FAILURE() << url;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUsage) << url;
      EXPECT_EQ(e.code(), "bad-config") << url;
      EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace unpackd::amqp
