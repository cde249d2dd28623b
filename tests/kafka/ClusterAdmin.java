/*
 * DESIGN: the two cluster operations kafka.sh needs that neither kcat nor
 * Debian's python3-confluent-kafka (librdkafka 2.0.2) can do, through the
 * Admin API of the kafka-clients jar kafka.sh already fetched. Kafka's own
 * tools (kafka-leader-election.sh, kafka-configs.sh) call the same API, but
 * their jar is not among the fetched ones. Run with java's single-file
 * source launcher, so nothing is built:
 *
 *   java -cp 'LIBS/*' ClusterAdmin.java BOOTSTRAP elect-preferred TOPIC...
 *       a preferred-leader election for every partition of the TOPICs;
 *       prints "TOPIC PARTITION elected" or "TOPIC PARTITION unchanged
 *       (REASON)" (unchanged: the preferred replica leads already, or is
 *       not in sync)
 *   java -cp 'LIBS/*' ClusterAdmin.java BOOTSTRAP throttle CLIENT_ID BYTES
 *       a produce quota of BYTES per second and broker for CLIENT_ID
 *       (0: none), so a test run lasts long enough to disturb it
 *
 * Exits non-zero when a request fails.
 */
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;

public class ClusterAdmin {
        static void electPreferred(Admin admin, List<String> topics) throws Exception {
                Map<String, TopicDescription> ds = admin.describeTopics(topics)
                        .allTopicNames().get();
                Set<TopicPartition> tps = new HashSet<>();
                for (TopicDescription d : ds.values())
                        for (TopicPartitionInfo i : d.partitions())
                                tps.add(new TopicPartition(d.name(), i.partition()));
                Map<TopicPartition, Optional<Throwable>> r = admin
                        .electLeaders(ElectionType.PREFERRED, tps).partitions().get();
                TreeMap<String, Optional<Throwable>> sorted = new TreeMap<>();
                for (Map.Entry<TopicPartition, Optional<Throwable>> e : r.entrySet())
                        sorted.put(String.format("%s %5d", e.getKey().topic(),
                                                 e.getKey().partition()), e.getValue());
                for (Map.Entry<String, Optional<Throwable>> e : sorted.entrySet())
                        System.out.println(e.getKey() + (e.getValue().isPresent()
                                ? " unchanged (" + e.getValue().get().getClass().getSimpleName() + ")"
                                : " elected"));
        }

        static void throttle(Admin admin, String clientId, long bytes) throws Exception {
                ClientQuotaEntity who = new ClientQuotaEntity(
                        Map.of(ClientQuotaEntity.CLIENT_ID, clientId));
                ClientQuotaAlteration.Op op = new ClientQuotaAlteration.Op(
                        "producer_byte_rate", bytes > 0 ? Double.valueOf(bytes) : null);
                admin.alterClientQuotas(List.of(new ClientQuotaAlteration(who, List.of(op))))
                        .all().get();
                System.out.println("client " + clientId + ": producer_byte_rate " +
                                   (bytes > 0 ? bytes : "unlimited"));
        }

        public static void main(String[] args) throws Exception {
                boolean elect = args.length >= 3 && args[1].equals("elect-preferred");
                boolean thr = args.length == 4 && args[1].equals("throttle");

                if (!elect && !thr) {
                        System.err.println("usage: ClusterAdmin BOOTSTRAP elect-preferred TOPIC...\n" +
                                           "       ClusterAdmin BOOTSTRAP throttle CLIENT_ID BYTES");
                        System.exit(2);
                }
                Properties p = new Properties();
                p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
                p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
                p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "40000");
                try (Admin admin = Admin.create(p)) {
                        if (elect)
                                electPreferred(admin, List.of(args).subList(2, args.length));
                        else
                                throttle(admin, args[2], Long.parseLong(args[3]));
                }
        }
}
