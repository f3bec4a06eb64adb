// Package kafkaio is the Kafka surface of the monitor, an I/O adapter like
// ui/httpapi and ui/sshserve, imported only by the command: the consumer
// that replicas of `chakra-tui --headless --kafka-brokers …` share through a
// consumer group, the publisher of `chakra-tui sim --kafka-brokers …`, and
// the follower the dashboard watches a cluster through. The client is
// franz-go (github.com/twmb/franz-go).
//
// Topics, for an observation topic T (default names):
//
//	T            observations: the /predict JSON, key = soldier id, partitioned by soldier
//	T.verdicts   one verdict per observation (the /predict answer), key = soldier id
//	T.alerts     each alert opening (the /alerts event data), key = soldier id
//	T.dead       messages that are not observations, the value as it came, the reason in headers
//	T.truth      the simulation's ground truth (sim only), key = soldier id
//
// Delivery. Each poll of the observation topic is scored through the same
// pipeline as POST /predict/batch (httpapi.Server.ObserveJSON), then its
// verdicts, alerts and dead letters are produced and the consumed offsets
// committed in one Kafka transaction (franz-go's GroupTransactSession): an
// offset is never committed before its verdict is produced, and a reader of
// the output topics with isolation read_committed sees exactly one verdict
// per observation even when a replica dies between producing and
// committing (its transaction is aborted, its partitions move, and the
// observations are consumed again). An observation consumed again is a
// repeat to the feature store (same soldier, same timestamp): it is not
// written or scored twice, and its verdict is the original one, marked
// "repeat": true (unscored when another replica scored it; see
// docs/kafka.md). A message that is not an observation goes to T.dead with
// its reason and the partition goes on; a store outage retries the poll
// with backoff; a broker outage shows in /ready (503) and franz-go
// reconnects.
package kafkaio
