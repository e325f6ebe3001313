package consumer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestKafkaErrorLoggerLevels(t *testing.T) {
	cases := []struct {
		name, msg string
		args      []interface{}
		level     string
	}{
		{"idle fetch timeout is debug", "the kafka reader got an unknown error reading partition %d of %s at offset %d: %v",
			[]interface{}{3, "clicks", 3163, "read tcp 127.0.0.1:1->127.0.0.1:2: i/o timeout"}, "debug"},
		{"join failure is warn", "Failed to join group %s: %v", []interface{}{"profilestream", "i/o timeout"}, "warn"},
		{"other fetch error is warn", "the kafka reader got an unknown error reading partition %d of %s at offset %d: %v",
			[]interface{}{0, "reviews", 7, "EOF"}, "warn"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, el := KafkaLoggers(zerolog.New(&buf).Level(zerolog.DebugLevel), "reader", false)
			el.Printf(c.msg, c.args...)
			if !strings.Contains(buf.String(), `"level":"`+c.level+`"`) {
				t.Fatalf("logged %s, want level %s", buf.String(), c.level)
			}
		})
	}
}
