// Package redis is the Redis adapter of the feature store: Store, a
// featurestore.Online shared by processes through one Redis (go-redis),
// opened with New from a redis:// or rediss:// URL and the featurestore
// options (featurestore.WithCapacity, WithTTL, WithPrefix, WithTimeout, WithCache).
//
// Soldiers live in blocks of 128 by id, two strings per block (headers and
// rows), written and read by Lua scripts (scripts.go) so that a frame write
// and a batch window read are one round trip each; a local cache, checked
// against Redis's version on every read, keeps the transfers small. TTLs are
// measured on the Redis server's clock. Key layout and measurements are in
// docs/featurestore.md.
//
// Only code that constructs a Redis store imports this package (cmd and
// tests); the rest of the product uses featurestore.Online. Tests start a
// throwaway redis-server with featurestore/redis/redistest.
package redis
