// Package online assigns users to segments with online spherical k-means, shared by every
// worker through Redis.
//
// A user's profile vector (the L2-normalized mean of the embeddings of everything the user
// wrote) is a point on the unit sphere. A segment is a direction on that sphere: its centroid is
// the normalized sum of the profile vectors that were assigned to it, and a user belongs to the
// segment whose centroid is closest in cosine distance (1 - cos). This is spherical k-means, done
// online: every observed profile update is one sample that is assigned to a segment and then
// added to that segment's running sum. Because the centroid is sum/count, adding a sample moves
// the centroid towards it with learning rate 1/n, where n is the segment's count, exactly as in
// sklearn's MiniBatchKMeans. An optional forgetting half-life decays sums and counts with time,
// so that centroids follow a shifting event mix (Spark StreamingKMeans's half-life).
//
// Before there is anything to cluster, a worker keeps a reservoir sample of the profile vectors
// it has seen. Once it has seen Options.MinUsersToInit updates, it picks initial centroids with
// greedy k-means++ (seeded, deterministic given the sample), refines them with spherical Lloyd
// iterations on the sample, keeps the best of Options.InitTrials such tries (lowest inertia on
// the sample), and tries to publish them. Publication is atomic in Redis: the first
// worker wins and every other worker adopts the winner's centroids. Until then users are
// unassigned (segment -1) and Observe says so in the returned counts.
//
// The number of segments is chosen from the data unless Options.K fixes it: ChooseK clusters the
// sample for every k in [Options.KMin, Options.KMax] (default 4..16) and takes the k with the
// highest mean cosine silhouette on up to 1000 sample points. The lower bound is there because
// the silhouette of text embeddings often peaks at two or three coarse segments.
//
// Online updates alone leave k-means where its first centroids and every user's early, partial
// profile put it (a centroid is the mean of every sample ever added to it). So every worker also
// keeps a UserSample, the latest vector of each of up to Options.UserSampleSize users (those
// whose pseudonym hashes are smallest: uniform over users however active, the same users on every
// worker), and Run calls Refit every Options.RefitInterval: spherical Lloyd from the current
// centroids and fresh k-means++ starts on the sample, the lowest inertia wins, and when it beats
// the current centroids by RefitMinGain (or, with the automatic k, another k's silhouette beats
// the current k's by KSwitchGain) it replaces the shared sums atomically (if the version has not
// moved meanwhile) and bumps the version. A refit keeps each segment id on the most similar old
// segment. Workers with the automatic k adopt a changed k at their next merge, dropping their
// local deltas.
//
// Starved segments (a count below Options.ReseedFraction of the largest, or empty) are reseeded
// at a merge from a far point of the reservoir, as sklearn's MiniBatchKMeans does.
//
// Every worker keeps the shared state it pulled from Redis plus its own local deltas (the sum of
// the vectors it assigned and their count since the last merge). At Options.MergeInterval a Lua
// script adds the deltas into the shared sums atomically, applies the forgetting decay, reseeds
// starved centroids, re-normalizes the centroids and returns the merged state, which the worker
// adopts. All state lives in one Redis key, so the script works unchanged in Redis Cluster.
// After every worker has merged and pulled, all workers hold identical centroids.
//
// The centroid version is bumped when a centroid has moved by more than Options.VersionDrift in
// cosine distance since the last version (or was reseeded, or the model was initialized). Each
// assignment records the version it was made with. A background sweep re-reads profiles whose
// version is older than the current one and re-assigns each to its nearest centroid, at most
// Options.SweepRate users per second, so an old assignment does not stay stale forever after the
// centroids moved. The sweep applies no hysteresis: it moves a user at most once per version.
//
// A user changes segment only if the new centroid is closer than the current one by at least
// Options.Margin (hysteresis), so a user halfway between two segments does not flap between them
// on every event (in Observe; the sweep re-assigns without it). Changes are appended to a Redis stream, segment memberships are kept in one set
// per segment, and per-segment statistics (top categories with decayed counts, mean rating, a
// short label made from the top categories) are kept next to them. docs/schema.md documents every
// key.
package online
