BEGIN TRANSACTION;
CREATE TABLE artifacts (
	run_id VARCHAR(32) NOT NULL, 
	path VARCHAR(1024) NOT NULL, 
	digest VARCHAR(64) NOT NULL, 
	size BIGINT NOT NULL, 
	created_at FLOAT NOT NULL, 
	CONSTRAINT pk_artifacts PRIMARY KEY (run_id, path), 
	CONSTRAINT fk_artifacts_run_id_runs FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE CASCADE
);
INSERT INTO "artifacts" VALUES('018bcfe56800aaaa1111aaaa1111aaaa','model/model.pkl','1111111111111111111111111111111111111111111111111111111111111111',1234,1700000020.0);
INSERT INTO "artifacts" VALUES('018bcfe56c00bbbb2222bbbb2222bbbb','model/model.pkl','2222222222222222222222222222222222222222222222222222222222222222',2345,1700000045.0);
INSERT INTO "artifacts" VALUES('018bcfe56c00bbbb2222bbbb2222bbbb','notes.txt','1111111111111111111111111111111111111111111111111111111111111111',1234,1700000045.0);
CREATE TABLE environments (
	digest VARCHAR(64) NOT NULL, 
	python VARCHAR(64) NOT NULL, 
	platform VARCHAR(255) NOT NULL, 
	packages TEXT NOT NULL, 
	CONSTRAINT pk_environments PRIMARY KEY (digest)
);
INSERT INTO "environments" VALUES('eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee','3.11.7','Linux-x86_64','{"numpy": "1.26.4", "scikit-learn": "1.4.0"}');
CREATE TABLE experiments (
	id INTEGER NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	created_at FLOAT NOT NULL, 
	CONSTRAINT pk_experiments PRIMARY KEY (id), 
	CONSTRAINT uq_experiments_name UNIQUE (name)
);
INSERT INTO "experiments" VALUES(1,'churn',1700000000.0);
INSERT INTO "experiments" VALUES(2,'fraud',1700000005.0);
CREATE TABLE metrics (
	run_id VARCHAR(32) NOT NULL, 
	"key" VARCHAR(250) NOT NULL, 
	value FLOAT, 
	step BIGINT NOT NULL, 
	timestamp FLOAT NOT NULL, 
	CONSTRAINT fk_metrics_run_id_runs FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE CASCADE
);
INSERT INTO "metrics" VALUES('018bcfe56800aaaa1111aaaa1111aaaa','loss',0.9,0,1700000011.0);
INSERT INTO "metrics" VALUES('018bcfe56800aaaa1111aaaa1111aaaa','loss',0.5,2,1700000013.0);
INSERT INTO "metrics" VALUES('018bcfe56800aaaa1111aaaa1111aaaa','loss',0.7,1,1700000014.0);
INSERT INTO "metrics" VALUES('018bcfe56800aaaa1111aaaa1111aaaa','auc',0.81,0,1700000019.0);
INSERT INTO "metrics" VALUES('018bcfe56c00bbbb2222bbbb2222bbbb','loss',0.4,5,1700000035.0);
INSERT INTO "metrics" VALUES('018bcfe56c00bbbb2222bbbb2222bbbb','loss',0.3,5,1700000036.0);
INSERT INTO "metrics" VALUES('018bcfe56c00bbbb2222bbbb2222bbbb','loss',0.35,4,1700000040.0);
INSERT INTO "metrics" VALUES('018bcfe56c00bbbb2222bbbb2222bbbb','auc',0.9,0,1700000044.0);
INSERT INTO "metrics" VALUES('018bcfe56c00bbbb2222bbbb2222bbbb','grad_norm',9e999,0,1700000041.0);
INSERT INTO "metrics" VALUES('018bcfe56c00bbbb2222bbbb2222bbbb','grad_norm',NULL,1,1700000042.0);
INSERT INTO "metrics" VALUES('018bcfe57000cccc3333cccc3333cccc','loss',1.5,0,1700000032.0);
INSERT INTO "metrics" VALUES('018bcfe57000cccc3333cccc3333cccc','min_delta',-9e999,0,1700000032.5);
INSERT INTO "metrics" VALUES('018bcfe57400dddd4444dddd4444dddd','loss',NULL,0,1700000050.5);
INSERT INTO "metrics" VALUES('018bcfe57400dddd4444dddd4444dddd','loss',2.0,0,1700000050.25);
CREATE TABLE params (
	run_id VARCHAR(32) NOT NULL, 
	"key" VARCHAR(250) NOT NULL, 
	value TEXT NOT NULL, 
	CONSTRAINT pk_params PRIMARY KEY (run_id, "key"), 
	CONSTRAINT fk_params_run_id_runs FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE CASCADE
);
INSERT INTO "params" VALUES('018bcfe56800aaaa1111aaaa1111aaaa','C','1.0');
INSERT INTO "params" VALUES('018bcfe56800aaaa1111aaaa1111aaaa','penalty','l2');
INSERT INTO "params" VALUES('018bcfe56c00bbbb2222bbbb2222bbbb','C','0.5');
INSERT INTO "params" VALUES('018bcfe56c00bbbb2222bbbb2222bbbb','penalty','l1');
INSERT INTO "params" VALUES('018bcfe56c00bbbb2222bbbb2222bbbb','optimizer.lr','0.01');
INSERT INTO "params" VALUES('018bcfe57000cccc3333cccc3333cccc','fold','1');
CREATE TABLE runs (
	id VARCHAR(32) NOT NULL, 
	experiment_id INTEGER NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	start_time FLOAT NOT NULL, 
	end_time FLOAT, 
	parent_id VARCHAR(32), 
	source_type VARCHAR(32), 
	source_path TEXT, 
	source_cell TEXT, 
	execution_count INTEGER, 
	environment_digest VARCHAR(64), 
	git_commit VARCHAR(64), 
	git_branch VARCHAR(255), 
	git_dirty BOOLEAN, 
	git_diff_digest VARCHAR(64), 
	git_remote TEXT, 
	host VARCHAR(255), 
	pid INTEGER, 
	heartbeat_at FLOAT, 
	error TEXT, 
	deleted_at FLOAT, 
	CONSTRAINT pk_runs PRIMARY KEY (id), 
	CONSTRAINT fk_runs_experiment_id_experiments FOREIGN KEY(experiment_id) REFERENCES experiments (id), 
	CONSTRAINT fk_runs_parent_id_runs FOREIGN KEY(parent_id) REFERENCES runs (id) ON DELETE CASCADE, 
	CONSTRAINT fk_runs_environment_digest_environments FOREIGN KEY(environment_digest) REFERENCES environments (digest)
);
INSERT INTO "runs" VALUES('018bcfe56800aaaa1111aaaa1111aaaa',1,'baseline','FINISHED',1700000010.0,1700000020.0,NULL,'notebook','train.ipynb',NULL,NULL,'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee','aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',NULL,NULL,NULL,NULL,'laptop',4242,1700000020.0,NULL,NULL);
INSERT INTO "runs" VALUES('018bcfe56c00bbbb2222bbbb2222bbbb',1,'tuned','FINISHED',1700000030.0,1700000045.0,NULL,'notebook','train.ipynb',NULL,NULL,'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee','bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',NULL,NULL,'dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd',NULL,'laptop',4242,1700000045.0,NULL,NULL);
INSERT INTO "runs" VALUES('018bcfe57000cccc3333cccc3333cccc',1,'fold-1','FAILED',1700000031.0,1700000033.0,'018bcfe56c00bbbb2222bbbb2222bbbb','notebook','train.ipynb',NULL,NULL,'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',NULL,NULL,NULL,NULL,NULL,'laptop',4242,1700000033.0,NULL,NULL);
INSERT INTO "runs" VALUES('018bcfe57400dddd4444dddd4444dddd',2,'old','KILLED',1700000050.0,1700000051.0,NULL,'notebook','train.ipynb',NULL,NULL,'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',NULL,NULL,NULL,NULL,NULL,'laptop',4242,1700000051.0,NULL,1700000060.0);
CREATE TABLE schema_version (
	version INTEGER NOT NULL, 
	description TEXT NOT NULL, 
	applied_at FLOAT NOT NULL, 
	CONSTRAINT pk_schema_version PRIMARY KEY (version)
);
INSERT INTO "schema_version" VALUES(1,'initial schema',1700000000.0);
CREATE TABLE tags (
	run_id VARCHAR(32) NOT NULL, 
	"key" VARCHAR(250) NOT NULL, 
	value TEXT NOT NULL, 
	CONSTRAINT pk_tags PRIMARY KEY (run_id, "key"), 
	CONSTRAINT fk_tags_run_id_runs FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE CASCADE
);
INSERT INTO "tags" VALUES('018bcfe56800aaaa1111aaaa1111aaaa','owner','ana');
INSERT INTO "tags" VALUES('018bcfe56c00bbbb2222bbbb2222bbbb','owner','bo');
INSERT INTO "tags" VALUES('018bcfe56c00bbbb2222bbbb2222bbbb','stage','tuning');
INSERT INTO "tags" VALUES('018bcfe57400dddd4444dddd4444dddd','owner','ana');
CREATE INDEX ix_runs_parent_id ON runs (parent_id);
CREATE INDEX ix_runs_status ON runs (status);
CREATE INDEX ix_runs_experiment_id_start_time ON runs (experiment_id, start_time);
CREATE INDEX ix_runs_start_time ON runs (start_time);
CREATE INDEX ix_artifacts_digest ON artifacts (digest);
CREATE INDEX ix_metrics_run_id_key_step ON metrics (run_id, "key", step);
CREATE INDEX ix_params_key_value ON params ("key", value);
CREATE INDEX ix_tags_key_value ON tags ("key", value);
COMMIT;
