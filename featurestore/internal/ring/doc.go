// Package ring holds one soldier's most recent rows in a ring buffer: the
// in-memory store's rows (featurestore.Memory) and the Redis store's local
// cache (featurestore/redis).
package ring
