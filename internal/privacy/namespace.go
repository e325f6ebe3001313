package privacy

import (
	"fmt"
	"strings"
)

// MaxNamespaceLen bounds a pseudonym namespace.
const MaxNamespaceLen = 64

// ValidNamespace checks a pseudonym namespace: empty (the legacy, un-namespaced input), or 1 to
// 64 characters of [a-z0-9._-] (a tenant or source name such as "shop-eu" or "taobao").
func ValidNamespace(ns string) error {
	if len(ns) > MaxNamespaceLen {
		return fmt.Errorf("%w: namespace %q is longer than %d characters", ErrMalformedKey, ns, MaxNamespaceLen)
	}
	for i := 0; i < len(ns); i++ {
		c := ns[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%w: namespace %q may only hold a-z, 0-9, '.', '_' and '-'", ErrMalformedKey, ns)
		}
	}
	return nil
}

// Namespaces says which pseudonym namespace the user ids of each input topic belong to: the
// topic's own entry, else Default. The zero value puts every topic in the legacy namespace "".
type Namespaces struct {
	Default string
	ByTopic map[string]string
}

// For returns the namespace of topic.
func (n Namespaces) For(topic string) string {
	if ns, ok := n.ByTopic[topic]; ok {
		return ns
	}
	return n.Default
}

// ParseNamespaces builds Namespaces from a default and "topic=namespace" pairs (as given to
// --pseudonym-namespace and --pseudonym-namespace-topic). "topic=" maps a topic to the legacy
// namespace explicitly.
func ParseNamespaces(def string, pairs []string) (Namespaces, error) {
	if err := ValidNamespace(def); err != nil {
		return Namespaces{}, err
	}
	n := Namespaces{Default: def}
	for _, p := range pairs {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		topic, ns, ok := strings.Cut(p, "=")
		topic, ns = strings.TrimSpace(topic), strings.TrimSpace(ns)
		if !ok || topic == "" {
			return Namespaces{}, fmt.Errorf("%w: namespace override %q is not topic=namespace", ErrMalformedKey, p)
		}
		if err := ValidNamespace(ns); err != nil {
			return Namespaces{}, err
		}
		if _, dup := n.ByTopic[topic]; dup {
			return Namespaces{}, fmt.Errorf("%w: topic %q has two namespace overrides", ErrMalformedKey, topic)
		}
		if n.ByTopic == nil {
			n.ByTopic = map[string]string{}
		}
		n.ByTopic[topic] = ns
	}
	return n, nil
}
