// Package check validates chakra-tui's deployment files offline: it renders
// the Helm chart (deploy/helm/chakra-tui) with Helm's own Go packages,
// decodes every rendered manifest strictly into the Kubernetes API types,
// cross-checks the objects against each other and against the real binary
// (flags, probe paths, ports, metric names), and lints the Dockerfile.
//
// It is a module of its own (deploy/go.mod), so that Helm and the
// Kubernetes modules stay out of the product's go.mod. `make deploy-check`
// runs its tests.
package check
