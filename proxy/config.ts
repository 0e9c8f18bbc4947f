/**
 * proxy-server.conf, in Swift's shape:
 *
 *   [DEFAULT]             bind_ip, bind_port (8080), swift_dir, log_level
 *   [pipeline:main]       pipeline = catch_errors gatekeeper healthcheck proxy-logging tempauth proxy-server
 *   [app:proxy-server]    node_timeout, conn_timeout, client_timeout, post_quorum_timeout,
 *                         recheck_account_existence, recheck_container_existence,
 *                         account_autocreate, allow_account_management,
 *                         error_suppression_limit, error_suppression_interval
 *   [filter:<name>]       settings of each middleware (e.g. [filter:tempauth] user_test_tester = …)
 */
import type { LevelWithSilent } from 'pino';
import type { Config } from '../common/config.js';
import { LOG_LEVELS } from '../common/logger.js';

export interface ProxyConfig {
  bindIp: string;
  bindPort: number;
  swiftDir: string;
  logLevel: LevelWithSilent;
  pipeline: string[];
  nodeTimeout: number;
  connTimeout: number;
  clientTimeout: number;
  postQuorumTimeout: number;
  recheckAccountExistence: number;
  recheckContainerExistence: number;
  accountAutocreate: boolean;
  allowAccountManagement: boolean;
  errorSuppressionLimit: number;
  errorSuppressionInterval: number;
  /** Seconds between checks of the ring files for changes. */
  ringCheckInterval: number;
}

export const DEFAULT_PIPELINE = [
  'catch_errors',
  'gatekeeper',
  'healthcheck',
  'proxy-logging',
  'cors',
  'bulk',
  'tempurl',
  'formpost',
  'ratelimit',
  'tempauth',
  'keystoneauth',
  'staticweb',
  'copy',
  'container-quotas',
  'account-quotas',
  'slo',
  'dlo',
  'versioned_writes',
  'symlink',
  'proxy-server',
];

export function readProxyConfig(config: Config): ProxyConfig {
  const app = config.section('app:proxy-server');
  app.rejectUnknown([
    'use',
    'bind_ip',
    'bind_port',
    'swift_dir',
    'log_level',
    'node_timeout',
    'conn_timeout',
    'client_timeout',
    'post_quorum_timeout',
    'recheck_account_existence',
    'recheck_container_existence',
    'account_autocreate',
    'allow_account_management',
    'error_suppression_limit',
    'error_suppression_interval',
    'ring_check_interval',
  ]);
  const pipeline = config.has('pipeline:main')
    ? config.section('pipeline:main').list('pipeline')
    : DEFAULT_PIPELINE;
  return {
    bindIp: app.string('bind_ip', '127.0.0.1'),
    bindPort: app.int('bind_port', 8080, { min: 0, max: 65535 }),
    swiftDir: app.string('swift_dir', '/etc/stratus'),
    logLevel: app.choice('log_level', LOG_LEVELS, 'info'),
    pipeline,
    nodeTimeout: app.number('node_timeout', 10, { min: 0.001 }),
    connTimeout: app.number('conn_timeout', 0.5, { min: 0.001 }),
    clientTimeout: app.number('client_timeout', 60, { min: 0.001 }),
    postQuorumTimeout: app.number('post_quorum_timeout', 0.5, { min: 0 }),
    recheckAccountExistence: app.number('recheck_account_existence', 60, { min: 0 }),
    recheckContainerExistence: app.number('recheck_container_existence', 60, { min: 0 }),
    accountAutocreate: app.bool('account_autocreate', true),
    allowAccountManagement: app.bool('allow_account_management', false),
    errorSuppressionLimit: app.int('error_suppression_limit', 10, { min: 0 }),
    errorSuppressionInterval: app.number('error_suppression_interval', 60, { min: 0 }),
    ringCheckInterval: app.number('ring_check_interval', 15, { min: 0 }),
  };
}
