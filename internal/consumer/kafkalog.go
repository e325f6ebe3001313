package consumer

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// DefaultClientID is "profilestream-<host>-<pid>": unique per process, so the coordinator's
// member list (and `streamer lag`, and the stall watchdog) name the process that owns a
// partition.
func DefaultClientID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return fmt.Sprintf("profilestream-%s-%d", host, os.Getpid())
}

// KafkaLoggers returns the Logger and ErrorLogger to hand to every kafka-go Reader, Writer
// and ConsumerGroup: kafka-go's errors (failed joins, fetch and write retries, leave
// failures) at warn, and its informational lines (joins, syncs, assignments, heartbeats) at
// debug when debug is set (nil otherwise: kafka-go then does not format them at all).
// component names the client in the log ("consumer-group", "reader", "dlq-writer", ...).
func KafkaLoggers(log zerolog.Logger, component string, debug bool) (logger, errorLogger kafka.Logger) {
	l := log.With().Str("component", "kafka-go").Str("client", component).Logger()
	errorLogger = kafka.LoggerFunc(func(msg string, args ...interface{}) {
		line := strings.TrimSpace(fmt.Sprintf(msg, args...))
		// A fetch of an idle partition whose reply comes after the reader's MaxWait deadline
		// (the broker waits MaxWait minus a fixed RTT allowance, so a busy CPU is enough) ends
		// in "i/o timeout"; kafka-go retries it at once. It is noise at warn: a partition that
		// really stops moving is the stall watchdog's to report.
		if strings.HasSuffix(line, "i/o timeout") && strings.Contains(line, "reading partition") {
			l.Debug().Msg(line)
			return
		}
		l.Warn().Msg(line)
	})
	if debug {
		logger = kafka.LoggerFunc(func(msg string, args ...interface{}) {
			l.Debug().Msg(strings.TrimSpace(fmt.Sprintf(msg, args...)))
		})
	}
	return logger, errorLogger
}

// dialer is the dialer of the group and the readers: it carries the client id, and TLS and
// SASL when Config.Dialer has them.
func (c *Consumer) dialer() *kafka.Dialer {
	d := &kafka.Dialer{Timeout: 10 * time.Second, DualStack: true}
	if c.cfg.Dialer != nil {
		cp := *c.cfg.Dialer
		d = &cp
	}
	d.ClientID = c.cfg.ClientID
	if c.cfg.DialFunc != nil {
		d.DialFunc = c.cfg.DialFunc
	}
	return d
}

// groupConfig is the kafka-go consumer group configuration of one membership.
func (c *Consumer) groupConfig() kafka.ConsumerGroupConfig {
	logger, errLogger := KafkaLoggers(c.log, "consumer-group", c.cfg.KafkaDebug)
	return kafka.ConsumerGroupConfig{
		ID:                     c.cfg.Group,
		Brokers:                c.cfg.Brokers,
		Dialer:                 c.dialer(),
		Topics:                 c.cfg.Topics(),
		StartOffset:            kafka.FirstOffset,
		SessionTimeout:         c.cfg.SessionTimeout,
		RebalanceTimeout:       c.cfg.RebalanceTimeout,
		HeartbeatInterval:      c.cfg.HeartbeatInterval,
		JoinGroupBackoff:       c.cfg.JoinGroupBackoff,
		WatchPartitionChanges:  true,
		PartitionWatchInterval: 5 * time.Second,
		Logger:                 logger,
		ErrorLogger:            errLogger,
	}
}

// FranzLogger is KafkaLoggers for franz-go clients (the producers: dead letters, replay): its
// errors and warnings at warn, its informational lines at debug when debug is set.
func FranzLogger(log zerolog.Logger, component string, debug bool) kgo.Logger {
	level := kgo.LogLevelWarn
	if debug {
		level = kgo.LogLevelDebug
	}
	return franzLogger{l: log.With().Str("component", "franz-go").Str("client", component).Logger(), level: level}
}

type franzLogger struct {
	l     zerolog.Logger
	level kgo.LogLevel
}

func (f franzLogger) Level() kgo.LogLevel { return f.level }

func (f franzLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	var e *zerolog.Event
	switch level {
	case kgo.LogLevelError, kgo.LogLevelWarn:
		e = f.l.Warn()
	default:
		e = f.l.Debug()
	}
	for i := 0; i+1 < len(keyvals); i += 2 {
		e = e.Interface(fmt.Sprint(keyvals[i]), keyvals[i+1])
	}
	e.Msg(msg)
}
