# Generates deploy/grafana/dashboards/profilestream.json (the committed file is what Grafana loads):
#   python3 deploy/grafana/gen_dashboard.py > deploy/grafana/dashboards/profilestream.json
import json
DS = {"type": "prometheus", "uid": "prometheus"}
panels = []
pid = [0]
y = [0]
def row(title):
    pid[0] += 1
    panels.append({"type": "row", "title": title, "id": pid[0], "collapsed": False,
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": y[0]}, "panels": []})
    y[0] += 1
x = [0]
def panel(title, targets, unit="short", w=8, h=8, kind="timeseries", desc="", stack=False, extra=None):
    pid[0] += 1
    if x[0] + w > 24:
        x[0] = 0; y[0] += h
    p = {"type": kind, "title": title, "id": pid[0], "datasource": DS, "description": desc,
         "gridPos": {"h": h, "w": w, "x": x[0], "y": y[0]},
         "targets": [{"datasource": DS, "expr": e, "legendFormat": l, "refId": chr(65 + i)} for i, (e, l) in enumerate(targets)],
         "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
         "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                     "tooltip": {"mode": "multi", "sort": "desc"}}}
    if kind == "timeseries":
        p["fieldConfig"]["defaults"]["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10 if not stack else 60,
                                                   "stacking": {"mode": "normal" if stack else "none", "group": "A"}}
    if extra:
        for k, v in extra.items():
            p[k] = v
    panels.append(p)
    x[0] += w
def endrow(h=8):
    x[0] = 0; y[0] += h

G = 'group=~"$group"'
I = 'instance=~"$instance"'
lagm = f'max by (group, topic, partition) (profilestream_consumer_lag_messages{{{G}}})'
lags = f'max by (group, topic, partition) (profilestream_consumer_lag_seconds{{{G}}})'
lagage = f'max by (group, topic, partition) (profilestream_consumer_lag_message_age_seconds{{{G}}})'

row("Lag (computed from the broker; see docs/operations.md)")
panel("Group status", [(f'max by (status) (profilestream_consumer_group_status{{{G}}}) == 1', "{{status}}")],
      w=4, kind="stat", desc="Burrow-style status of the group: OK, WARN (falling behind), NOCOMMIT (lag, nothing committed yet), REWIND, STALL (offset not moving with lag), STOP (no progress for the stop threshold), LOSS (committed offset below the log start: records deleted before processing), UNKNOWN (the broker does not know the group).",
      extra={"options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "textMode": "name", "colorMode": "background", "graphMode": "none"},
             "fieldConfig": {"defaults": {"unit": "none", "color": {"mode": "fixed", "fixedColor": "green"}}, "overrides": [
                 {"matcher": {"id": "byName", "options": n}, "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": c}}]}
                 for n, c in [("WARN", "yellow"), ("NOCOMMIT", "yellow"), ("REWIND", "blue"), ("STALL", "orange"), ("STOP", "red"), ("LOSS", "dark-red"), ("UNKNOWN", "purple")]]}})
panel("Total lag (messages)", [(f'sum({lagm})', "total")], w=4, kind="stat",
      extra={"options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "colorMode": "value", "graphMode": "area", "textMode": "value"}})
panel("Max time lag", [(f'max({lags})', "max")], unit="s", w=4, kind="stat",
      desc="How far behind in time the group is (kafka-lag-exporter's definition: interpolated on end offsets sampled with the wall clock). Empty while unknown (NaN): the end offset has not moved since the worker started sampling.",
      extra={"options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "colorMode": "value", "graphMode": "area", "textMode": "value"}})
panel("Lag by topic (messages)", [(f'sum by (topic) ({lagm})', "{{topic}}")], w=12)
endrow()
panel("Lag by partition (messages)", [(lagm, "{{topic}}/{{partition}}")], w=12,
      desc="end offset - committed offset per partition (end - start before the first commit).")
panel("Time lag by partition", [(lags, "{{topic}}/{{partition}}")], unit="s", w=12,
      desc="now - the interpolated time at which the partition's end offset was the committed offset (sampled end offsets with wall-clock times, as kafka-lag-exporter does; extrapolated along the produce rate for offsets older than the samples). Gaps: unknown.")
endrow()
panel("Message age by partition (producer timestamps)", [(lagage, "{{topic}}/{{partition}}")], unit="s", w=12,
      desc="now - the timestamp of the first unprocessed message. Trust it only when producers stamp with wall-clock time (streamer replay does) or the topics use LogAppendTime (the compose broker does): a producer that stamps event times shows their age (years for a backfill).")
panel("Lag poll errors / s", [(f'sum by (instance) (rate(profilestream_lag_poll_errors_total{{{I}}}[$__rate_interval]))', "{{instance}}")], unit="ops", w=12,
      desc="Failed polls of the group's lag from the broker; the worker retries with backoff and logs one line when they start failing and one when they recover.")
endrow()
panel("Events lost: offsets skipped below the log start (15m)", [(f'sum by (topic) (increase(profilestream_consumer_skipped_offsets_total{{{I}}}[15m]))', "{{topic}}")], w=24,
      desc="Records the broker deleted (retention, DeleteRecords) before the group processed them; the worker skipped them and logged the range at error. Should be 0 (alert ProfilestreamEventsLost).")
endrow()

row("Throughput")
panel("Events processed / s by topic", [(f'sum by (topic) (rate(profilestream_events_processed_total{{{I}}}[$__rate_interval]))', "{{topic}}")], unit="ops", w=8)
panel("Events consumed / s by worker", [(f'sum by (instance) (rate(profilestream_events_consumed_total{{{I}}}[$__rate_interval]))', "{{instance}}")], unit="ops", w=8)
panel("Dead letters / s by reason", [(f'sum by (topic, reason) (rate(profilestream_events_dead_lettered_total{{{I}}}[$__rate_interval]))', "{{topic}} {{reason}}")], unit="ops", w=8)
endrow()
panel("Duplicates and erased / s", [(f'sum by (topic) (rate(profilestream_events_duplicate_total{{{I}}}[$__rate_interval]))', "duplicate {{topic}}"),
                                     (f'sum by (topic) (rate(profilestream_events_erased_total{{{I}}}[$__rate_interval]))', "erased-user {{topic}}"),
                                     (f'sum(rate(profilestream_erasures_total{{{I}}}[$__rate_interval]))', "erasures")], unit="ops", w=8)
panel("Batch size (p50, p99)", [(f'histogram_quantile(0.5, sum by (le) (rate(profilestream_batch_size_events_bucket{{{I}}}[$__rate_interval])))', "p50"),
                                 (f'histogram_quantile(0.99, sum by (le) (rate(profilestream_batch_size_events_bucket{{{I}}}[$__rate_interval])))', "p99")], w=8)
panel("Stage queues (batches waiting)", [(f'max by (stage) (profilestream_stage_queue_batches{{{I}}})', "{{stage}}")], w=8,
      desc="Bounded queues between stages: full queues mean the next stage (encoder or Redis) is the bottleneck and consumption is being slowed down (backpressure).")
endrow()

row("Latency")
q = lambda p, m, by="": f'histogram_quantile({p}, sum by (le{by}) (rate({m}_bucket{{{I}}}[$__rate_interval])))'
panel("Encode latency per batch (p50, p99)", [(q(0.5, "profilestream_encode_duration_seconds"), "p50"), (q(0.99, "profilestream_encode_duration_seconds"), "p99")], unit="s", w=8)
panel("Redis latency by op (p50, p99)", [(q(0.5, "profilestream_redis_duration_seconds", ", op"), "p50 {{op}}"), (q(0.99, "profilestream_redis_duration_seconds", ", op"), "p99 {{op}}")], unit="s", w=8)
panel("Batch duration (p50, p99)", [(q(0.5, "profilestream_batch_duration_seconds"), "p50"), (q(0.99, "profilestream_batch_duration_seconds"), "p99")], unit="s", w=8)
endrow()
panel("Redis errors / s by op", [(f'sum by (op) (rate(profilestream_redis_errors_total{{{I}}}[$__rate_interval]))', "{{op}}")], unit="ops", w=8)
panel("Embedding cache hit ratio", [(f'sum(rate(profilestream_embedding_cache_hits_total{{{I}}}[$__rate_interval])) / clamp_min(sum(rate(profilestream_embedding_cache_hits_total{{{I}}}[$__rate_interval])) + sum(rate(profilestream_embedding_cache_misses_total{{{I}}}[$__rate_interval])), 1e-9)', "hit ratio")], unit="percentunit", w=8)
panel("Texts encoded / s", [(f'sum(rate(profilestream_encoded_texts_total{{{I}}}[$__rate_interval]))', "encoded")], unit="ops", w=8)
endrow()

row("Segments and workers")
panel("Segment sizes (users)", [('max by (segment) (profilestream_segment_members)', "segment {{segment}}")], w=12, stack=True)
panel("Segment changes / s", [(f'sum(rate(profilestream_segment_changes_total{{{I}}}[$__rate_interval]))', "changes"),
                               ('max(profilestream_centroid_version)', "centroid version")], w=12)
endrow()
panel("Assigned partitions by worker", [(f'profilestream_assigned_partitions{{{I}}}', "{{instance}}")], w=6)
panel("Ready", [(f'profilestream_ready{{{I}}}', "{{instance}}")], w=6)
panel("Rebalances (15m)", [(f'sum by (instance) (increase(profilestream_rebalances_total{{{I}}}[15m]))', "{{instance}}")], w=6)
panel("PII redactions / s by type", [(f'sum by (type) (rate(profilestream_pii_redactions_total{{{I}}}[$__rate_interval]))', "{{type}}")], unit="ops", w=6)
endrow()

dash = {
    "uid": "profilestream", "title": "profilestream", "tags": ["profilestream", "kafka", "redis"],
    "timezone": "utc", "schemaVersion": 39, "version": 1, "editable": False, "graphTooltip": 1,
    "refresh": "10s", "time": {"from": "now-1h", "to": "now"},
    "description": "Lag, throughput, latency and segments of the profilestream workers. Source: deploy/grafana/dashboards/profilestream.json.",
    "templating": {"list": [
        {"name": "group", "label": "group", "type": "query", "datasource": DS,
         "query": {"query": "label_values(profilestream_consumer_lag_messages, group)", "refId": "group"},
         "definition": "label_values(profilestream_consumer_lag_messages, group)",
         "includeAll": True, "multi": True, "allValue": ".*", "current": {"text": "All", "value": "$__all"}, "refresh": 2},
        {"name": "instance", "label": "worker", "type": "query", "datasource": DS,
         "query": {"query": "label_values(profilestream_ready, instance)", "refId": "instance"},
         "definition": "label_values(profilestream_ready, instance)",
         "includeAll": True, "multi": True, "allValue": ".*", "current": {"text": "All", "value": "$__all"}, "refresh": 2},
    ]},
    "annotations": {"list": []},
    "panels": panels,
}
print(json.dumps(dash, indent=2))
