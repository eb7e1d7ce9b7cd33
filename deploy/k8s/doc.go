// Package k8s holds the Kubernetes manifests of a sluice cluster (driver
// Deployment and Service, CPU and GPU executor StatefulSets with headless
// Services and PodDisruptionBudgets, the cluster secret and object-store
// credentials). Its test decodes each manifest strictly with the
// Kubernetes API types and parses every container's command line with the
// commands' own flag sets.
package k8s
