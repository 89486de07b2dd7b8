-- A receiver.db made by release 0.1.0 (tables created directly, no alembic_version),
-- with a little of everything: an enrolled and a pending terminal, a case with its history,
-- its idempotency record, a heartbeat, a nonce, a complete upload, published content.
-- Terminal T-LEGACY's Ed25519 private key is bytes(range(32)) (see test_migrations.py).
BEGIN TRANSACTION;
CREATE TABLE attachments (
	sealed_digest VARCHAR(64) NOT NULL, 
	declared_size INTEGER NOT NULL, 
	received INTEGER NOT NULL, 
	complete BOOLEAN NOT NULL, 
	path VARCHAR(200) NOT NULL, 
	created_at VARCHAR(27) NOT NULL, 
	updated_at VARCHAR(27) NOT NULL, 
	PRIMARY KEY (sealed_digest)
);
INSERT INTO "attachments" VALUES('602a5e69c3021bdbd3d25156a02d2cbb467605b8203248eea6af3fb42168d663',10,10,1,'attachments/602a5e69c3021bdbd3d25156a02d2cbb467605b8203248eea6af3fb42168d663','2026-01-05T02:00:00.000000Z','2026-01-05T02:00:00.000000Z');
CREATE TABLE case_attachments (
	case_no VARCHAR(32) NOT NULL, 
	sealed_digest VARCHAR(64) NOT NULL, 
	role VARCHAR(32) NOT NULL, 
	media_type VARCHAR(64) NOT NULL, 
	size INTEGER NOT NULL, 
	PRIMARY KEY (case_no, sealed_digest), 
	FOREIGN KEY(case_no) REFERENCES cases (case_no)
);
CREATE TABLE case_counters (
	day VARCHAR(8) NOT NULL, 
	last INTEGER NOT NULL, 
	PRIMARY KEY (day)
);
INSERT INTO "case_counters" VALUES('20260105',1);
CREATE TABLE case_events (
	id INTEGER NOT NULL, 
	case_no VARCHAR(32) NOT NULL, 
	at VARCHAR(27) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	note TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_no) REFERENCES cases (case_no)
);
INSERT INTO "case_events" VALUES(1,'XF2026010500001','2026-01-05T02:00:00.000000Z','received',NULL);
INSERT INTO "case_events" VALUES(2,'XF2026010500001','2026-01-05T02:00:00.000000Z','accepted','转县人社局办理');
CREATE TABLE cases (
	case_no VARCHAR(32) NOT NULL, 
	query_code VARCHAR(16) NOT NULL, 
	submission_id VARCHAR(36) NOT NULL, 
	terminal_id VARCHAR(64) NOT NULL, 
	receipt_no VARCHAR(10) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	category VARCHAR(64) NOT NULL, 
	purpose VARCHAR(64), 
	jurisdiction VARCHAR(200) NOT NULL, 
	created_at VARCHAR(27) NOT NULL, 
	received_at VARCHAR(27) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	envelope BLOB NOT NULL, 
	updated_at VARCHAR(27) NOT NULL, 
	PRIMARY KEY (case_no), 
	UNIQUE (query_code), 
	UNIQUE (submission_id)
);
INSERT INTO "cases" VALUES('XF2026010500001','MGWYKCRD','00000000-0000-0000-0000-000000000001','T-LEGACY','0000000001','petition','labour',NULL,'某县','2026-01-05T02:00:00.000000Z','2026-01-05T02:00:00.000000Z','accepted',X'7365616C65642D6279746573','2026-01-05T02:00:00.000000Z');
CREATE TABLE content (
	version INTEGER NOT NULL, 
	body TEXT NOT NULL, 
	etag VARCHAR(64) NOT NULL, 
	created_at VARCHAR(27) NOT NULL, 
	PRIMARY KEY (version)
);
INSERT INTO "content" VALUES(1,'{"version":1,"notices":[{"title":"网上信访须知","body":"一、信访人应当如实反映情况，对所提供材料内容的真实性负责，不得捏造、歪曲事实，不得诬告、陷害他人。\n二、请向依法有权处理的本级或者上一级机关提出信访事项。已经或者依法应当通过诉讼、仲裁、行政复议等法定途径解决的，请按照法定途径提出。\n三、有关机关收到信访事项后，能够当场告知的当场书面告知；不能当场告知的，自收到之日起15日内书面告知是否受理。\n四、对处理意见不服的，可以自收到书面答复之日起30日内请求原办理机关的上一级机关复查；对复查意见不服的，可以自收到书面答复之日起30日内向复查机关的上一级机关请求复核。\n五、提交后请妥善保管回执和查询码，可在本终端或网上信访平台查询办理进展。\n六、您提供的个人信息仅用于办理本信访事项，依法予以保护。"}],"qr_targets":[],"categories":[],"purposes":[]}','"1-186c9bc3773f1dad"','2026-12-01T11:18:40.353699Z');
INSERT INTO "content" VALUES(2,'{"version":2,"notices":[{"title":"春节期间受理安排","body":"照常受理。"}],"qr_targets":[],"categories":[],"purposes":[]}','"2-3668516ae4c65b4f"','2026-01-05T02:00:00.000000Z');
CREATE TABLE heartbeats (
	id INTEGER NOT NULL, 
	terminal_id VARCHAR(64) NOT NULL, 
	received_at VARCHAR(27) NOT NULL, 
	payload TEXT NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "heartbeats" VALUES(1,'T-LEGACY','2026-01-05T02:00:00.000000Z','{"version":"0.1.0","queue_depth":3,"oldest_queued_age_seconds":5,"needs_attention":0,"at":"2026-01-05T02:00:00Z"}');
CREATE TABLE idempotency (
	"key" VARCHAR(36) NOT NULL, 
	terminal_id VARCHAR(64) NOT NULL, 
	request_sha256 VARCHAR(64) NOT NULL, 
	status INTEGER NOT NULL, 
	response TEXT NOT NULL, 
	created_at VARCHAR(27) NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "idempotency" VALUES('00000000-0000-0000-0000-000000000001','T-LEGACY','a3921057a71b668b2ac13c8d5c4b080d53c7fcb173ec808df72b1e004ada7278',201,'{"submission_id":"00000000-0000-0000-0000-000000000001","case_no":"XF2026010500001","query_code":"MGWYKCRD","received_at":"2026-01-05T02:00:00Z"}','2026-01-05T02:00:00.000000Z');
CREATE TABLE nonces (
	terminal_id VARCHAR(64) NOT NULL, 
	nonce VARCHAR(128) NOT NULL, 
	created_at VARCHAR(27) NOT NULL, 
	PRIMARY KEY (terminal_id, nonce)
);
INSERT INTO "nonces" VALUES('T-LEGACY','nnnnnnnnnnnnnnnnnnnn','2026-01-05T02:00:00.000000Z');
CREATE TABLE terminals (
	id VARCHAR(64) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	signing_public_key VARCHAR(64), 
	code_hash VARCHAR(64), 
	code_expires_at VARCHAR(27), 
	created_at VARCHAR(27) NOT NULL, 
	enrolled_at VARCHAR(27), 
	revoked BOOLEAN NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "terminals" VALUES('T-LEGACY','城关镇便民服务中心','A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=',NULL,NULL,'2026-01-05T02:00:00.000000Z','2026-01-05T02:00:00.000000Z',0);
INSERT INTO "terminals" VALUES('T-PENDING','T-PENDING',NULL,'3889f726a46329185fe7ade252ba7ee75ff457c283cb6643495c5e1410896f06','2026-01-12T02:00:00.000000Z','2026-01-05T02:00:00.000000Z',NULL,0);
CREATE INDEX ix_nonces_created_at ON nonces (created_at);
CREATE INDEX ix_heartbeats_terminal ON heartbeats (terminal_id, id);
CREATE INDEX ix_case_events_case ON case_events (case_no, id);
COMMIT;
