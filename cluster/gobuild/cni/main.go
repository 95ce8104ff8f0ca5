// kubelab-cni: the pod network agent of kubelab's offline node image.
//
// Every kind node sits on one Docker bridge, so a pod network needs only two
// things per node: a CNI config that hands out addresses from the node's own
// spec.podCIDR (ptp + host-local + portmap, plugins that ship in the node), and
// a route to every other node's podCIDR via that node's InternalIP. This agent
// runs as a DaemonSet with hostNetwork and keeps both true as nodes come and go.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

const (
	confPath    = "/etc/cni/net.d/10-kubelab.conflist"
	kubeletConf = "/host/etc/kubernetes/kubelet.conf"
)

// kubeletServer returns the `server:` URL of the node's kubelet kubeconfig, or "".
func kubeletServer(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "server:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "server:"))
		}
	}
	return ""
}

func cniConfig(podCIDR string) ([]byte, error) {
	conf := map[string]any{
		"cniVersion": "0.4.0",
		"name":       "kubelab",
		"plugins": []any{
			map[string]any{
				"type":   "ptp",
				"ipMasq": false,
				"mtu":    1500,
				"ipam": map[string]any{
					"type":   "host-local",
					"ranges": [][]map[string]string{{{"subnet": podCIDR}}},
					"routes": []map[string]string{{"dst": "0.0.0.0/0"}},
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
		},
	}
	return json.MarshalIndent(conf, "", "  ")
}

// writeIfChanged replaces path atomically when its content differs.
func writeIfChanged(path string, data []byte) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return false, nil
	}
	tmp := filepath.Join(filepath.Dir(path), ".kubelab-cni.tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return false, err
	}
	return true, os.Rename(tmp, path)
}

func internalIP(n *corev1.Node) net.IP {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			if ip := net.ParseIP(a.Address); ip != nil && ip.To4() != nil {
				return ip
			}
		}
	}
	return nil
}

func reconcile(ctx context.Context, cs kubernetes.Interface, self string) error {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	for i := range nodes.Items {
		n := &nodes.Items[i]
		if n.Spec.PodCIDR == "" {
			continue
		}
		if n.Name == self {
			data, err := cniConfig(n.Spec.PodCIDR)
			if err != nil {
				return err
			}
			changed, err := writeIfChanged(confPath, data)
			if err != nil {
				return fmt.Errorf("write %s: %w", confPath, err)
			}
			if changed {
				log.Printf("wrote %s for podCIDR %s", confPath, n.Spec.PodCIDR)
			}
			continue
		}
		gw := internalIP(n)
		_, dst, err := net.ParseCIDR(n.Spec.PodCIDR)
		if gw == nil || err != nil {
			continue
		}
		route := &netlink.Route{Dst: dst, Gw: gw}
		if err := netlink.RouteReplace(route); err != nil {
			return fmt.Errorf("route %s via %s: %w", dst, gw, err)
		}
	}
	return nil
}

func main() {
	self := os.Getenv("NODE_NAME")
	if self == "" {
		log.Fatal("NODE_NAME is not set (the DaemonSet passes spec.nodeName)")
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		log.Fatalf("in-cluster config: %v", err)
	}
	// Reach the API server where the kubelet does, not through the Service VIP:
	// the VIP works only once kube-proxy runs, and pods wait for this agent.
	if server := kubeletServer(kubeletConf); server != "" {
		cfg.Host = server
	}
	cs := kubernetes.NewForConfigOrDie(cfg)
	ctx := context.Background()
	for {
		if err := reconcile(ctx, cs, self); err != nil {
			log.Printf("reconcile: %v", err)
		}
		time.Sleep(5 * time.Second)
	}
}
