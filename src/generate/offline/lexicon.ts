// What the offline drafter knows of how people name AWS services, resources and kinds of access,
// in English and Korean. Curated data: adding a word is adding it to a list.

/** Names people use for a service beyond its prefix. Matched as whole words, case-insensitively. */
export const SERVICE_ALIASES: Readonly<Record<string, readonly string[]>> = {
  s3: ['s3', 'simple storage service', '버킷', 'bucket', 'buckets', '에스쓰리'],
  dynamodb: ['dynamodb', 'dynamo db', 'dynamo', '다이나모디비', '다이나모'],
  lambda: ['lambda', 'lambda function', '람다'],
  logs: [
    'cloudwatch logs',
    'cloudwatch log',
    'log group',
    'log groups',
    'logs insights',
    '로그 그룹',
    '로그그룹',
    '클라우드워치 로그',
  ],
  cloudwatch: [
    'cloudwatch metrics',
    'cloudwatch alarm',
    'cloudwatch alarms',
    'cloudwatch dashboard',
    '클라우드워치',
    '지표',
    '경보',
  ],
  ec2: ['ec2', 'ec2 instance', 'ec2 instances', '인스턴스', 'instance', 'instances'],
  sqs: ['sqs', 'simple queue service', 'queue', '큐', '대기열'],
  sns: ['sns', 'simple notification service', 'topic', '토픽', '주제'],
  ecr: ['ecr', 'elastic container registry', 'container registry', '컨테이너 레지스트리'],
  ecs: ['ecs', 'elastic container service', 'fargate'],
  eks: ['eks', 'elastic kubernetes service', 'kubernetes', '쿠버네티스'],
  ssm: [
    'ssm',
    'systems manager',
    'parameter store',
    'session manager',
    '파라미터 스토어',
    '파라미터스토어',
    '시스템 매니저',
  ],
  secretsmanager: [
    'secrets manager',
    'secretsmanager',
    'secret',
    'secrets',
    '시크릿',
    '시크릿 매니저',
    '비밀',
  ],
  kms: ['kms', 'key management service', 'kms key', '키 관리', '암호화 키'],
  // Lower-case "translate"/"transcribe" are ordinary verbs; the capitalised service names come
  // from the display names, which match case-sensitively.
  translate: ['amazon translate', '번역', '트랜슬레이트'],
  transcribe: [
    'transcribe',
    'amazon transcribe',
    'speech to text',
    'speech-to-text',
    '음성 인식',
    '음성인식',
    '전사',
    '받아쓰기',
    '트랜스크라이브',
  ],
  polly: ['polly', 'text to speech', 'text-to-speech', '음성 합성', '음성합성', '폴리'],
  comprehend: ['comprehend', '감정 분석', '감성 분석', '자연어 분석'],
  rekognition: ['rekognition', '이미지 분석', '얼굴 인식', '레코그니션'],
  textract: ['textract', 'ocr', '문서 텍스트 추출', '텍스트 추출'],
  athena: ['athena', '아테나'],
  glue: ['glue', 'glue job', 'glue crawler', 'data catalog', '글루'],
  states: ['step functions', 'stepfunctions', 'state machine', '스텝 펑션', '스텝펑션', '상태 머신'],
  kinesis: ['kinesis', 'kinesis data streams', 'data stream', '키네시스'],
  firehose: ['firehose', 'kinesis firehose', 'data firehose'],
  rds: ['rds', 'aurora', 'relational database service'],
  cloudformation: ['cloudformation', 'cfn', 'stack', '스택', '클라우드포메이션'],
  bedrock: ['bedrock', '베드락', 'foundation model', '파운데이션 모델'],
  sagemaker: ['sagemaker', '세이지메이커'],
  apigateway: ['api gateway', 'apigateway', 'api 게이트웨이'],
  events: ['eventbridge', 'event bridge', 'cloudwatch events', '이벤트브리지'],
  codebuild: ['codebuild', '코드빌드'],
  codepipeline: ['codepipeline', '코드파이프라인'],
  codecommit: ['codecommit', '코드커밋'],
  cloudtrail: ['cloudtrail', '클라우드트레일'],
  route53: ['route 53', 'route53', 'dns', 'hosted zone'],
  cloudfront: ['cloudfront', 'cdn', '클라우드프론트'],
  ses: ['ses', 'simple email service'],
  iam: ['iam', 'identity and access management'],
  sts: ['sts', 'security token service', 'assume role', 'assumerole'],
  organizations: ['organizations', 'aws organizations'],
  elasticache: ['elasticache', 'redis', 'memcached'],
  es: ['opensearch', 'elasticsearch'],
  redshift: ['redshift', '레드시프트'],
  batch: ['aws batch'],
  xray: ['x-ray', 'xray'],
};

/**
 * Resource nouns: a word that names a kind of resource, so that the token beside it is that
 * resource's name ("the orders table", "orders 테이블", "bucket analytics-raw").
 */
export interface ResourceNoun {
  readonly service: string;
  /** The resource type key in the service reference. */
  readonly resourceType: string;
  /** The ARN template placeholder the name fills. */
  readonly placeholder: string;
  readonly words: readonly string[];
  /** True when the noun alone tells the service ("bucket"); false for "table", "job"… */
  readonly distinctive: boolean;
  /** What a name of this kind looks like. */
  readonly namePattern: RegExp;
  /** Appended to the name in ARNs, e.g. the random suffix Secrets Manager adds to secret ARNs. */
  readonly arnSuffix?: string;
}

const GENERIC_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

export const RESOURCE_NOUNS: readonly ResourceNoun[] = [
  {
    service: 's3',
    distinctive: true,
    resourceType: 'bucket',
    placeholder: 'BucketName',
    words: ['bucket', '버킷'],
    namePattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  },
  {
    service: 'dynamodb',
    distinctive: false,
    resourceType: 'table',
    placeholder: 'TableName',
    words: ['table', '테이블'],
    namePattern: /^[A-Za-z0-9_.-]{3,255}$/,
  },
  {
    service: 'lambda',
    distinctive: false,
    resourceType: 'function',
    placeholder: 'FunctionName',
    words: ['function', '함수'],
    namePattern: /^[A-Za-z0-9_-]{1,64}$/,
  },
  {
    service: 'sqs',
    distinctive: true,
    resourceType: 'queue',
    placeholder: 'QueueName',
    words: ['queue', '큐', '대기열'],
    namePattern: /^[A-Za-z0-9_-]{1,80}(?:\.fifo)?$/,
  },
  {
    service: 'sns',
    distinctive: true,
    resourceType: 'topic',
    placeholder: 'TopicName',
    words: ['topic', '토픽', '주제'],
    namePattern: /^[A-Za-z0-9_-]{1,256}(?:\.fifo)?$/,
  },
  {
    service: 'ecr',
    distinctive: false,
    resourceType: 'repository',
    placeholder: 'RepositoryName',
    words: ['repository', 'repo', '리포지토리', '레포지토리', '저장소'],
    namePattern: /^[a-z0-9][a-z0-9._/-]{1,255}$/,
  },
  {
    service: 'secretsmanager',
    distinctive: true,
    resourceType: 'Secret',
    placeholder: 'SecretId',
    words: ['secret', '시크릿'],
    namePattern: /^[A-Za-z0-9/_+=.@-]{1,512}$/,
    // Secret ARNs end in a hyphen and six random characters that the name does not show.
    arnSuffix: '-??????',
  },
  {
    service: 'ec2',
    distinctive: false,
    resourceType: 'instance',
    placeholder: 'InstanceId',
    words: ['instance', '인스턴스'],
    namePattern: /^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$/,
  },
  {
    service: 'kinesis',
    distinctive: false,
    resourceType: 'stream',
    placeholder: 'StreamName',
    words: ['stream', '스트림'],
    namePattern: GENERIC_NAME,
  },
  {
    service: 'states',
    distinctive: true,
    resourceType: 'stateMachine',
    placeholder: 'StateMachineName',
    words: ['state machine', '상태 머신', '스테이트 머신'],
    namePattern: /^[A-Za-z0-9_-]{1,80}$/,
  },
  {
    service: 'codebuild',
    distinctive: false,
    resourceType: 'project',
    placeholder: 'ProjectName',
    words: ['project', '프로젝트'],
    namePattern: GENERIC_NAME,
  },
  {
    service: 'glue',
    distinctive: false,
    resourceType: 'job',
    placeholder: 'JobName',
    words: ['job', '잡'],
    namePattern: GENERIC_NAME,
  },
  {
    service: 'athena',
    distinctive: false,
    resourceType: 'workgroup',
    placeholder: 'WorkGroupName',
    words: ['workgroup', 'work group', '작업 그룹', '워크그룹'],
    namePattern: GENERIC_NAME,
  },
  {
    service: 'cloudformation',
    distinctive: false,
    resourceType: 'stack',
    placeholder: 'StackName',
    words: ['stack', '스택'],
    namePattern: /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
  },
];

/** Kinds of access a request can ask for. */
export type Intent =
  | 'list'
  | 'read'
  | 'write'
  | 'delete'
  | 'use'
  | 'console'
  | 'start'
  | 'stop'
  | 'reboot'
  | 'invoke'
  | 'send'
  | 'receive'
  | 'publish'
  | 'subscribe'
  | 'pull'
  | 'push'
  | 'upload'
  | 'download'
  | 'query'
  | 'decrypt'
  | 'encrypt'
  | 'execute'
  | 'admin'
  | 'passrole'
  | 'create';

/**
 * Words that signal each intent. English words match as whole words (with common inflections
 * listed); Korean stems match inside words, since Korean attaches endings to them.
 */
export const INTENT_WORDS: Readonly<Record<Intent, { en: readonly string[]; ko: readonly string[] }>> = {
  list: { en: ['list', 'lists', 'listing', 'browse', 'enumerate'], ko: ['목록', '리스트', '나열'] },
  read: {
    en: [
      'read',
      'reads',
      'reading',
      'read-only',
      'readonly',
      'inspect',
      'fetch',
      'debug',
      'retrieve',
      'tail',
      'watch',
    ],
    ko: ['조회', '읽', '열람'],
  },
  write: {
    en: ['write', 'writes', 'modify', 'update', 'edit', 'change', 'put', 'insert', 'save'],
    ko: ['쓰기', '수정', '변경', '업데이트', '저장', '기록', '추가'],
  },
  delete: { en: ['delete', 'remove', 'purge', 'drop', 'clean up', 'cleanup'], ko: ['삭제', '제거', '지우'] },
  use: { en: ['use', 'using', 'try', 'work with'], ko: ['사용', '이용', '쓰고 싶', '활용', '접근'] },
  console: { en: ['console', 'management console', 'web console'], ko: ['콘솔'] },
  start: { en: ['start', 'starts', 'starting', 'boot', 'power on'], ko: ['시작', '켜', '기동'] },
  stop: {
    en: ['stop', 'stops', 'stopping', 'shut down', 'shutdown', 'power off'],
    ko: ['중지', '정지', '끄', '멈추'],
  },
  reboot: { en: ['reboot', 'restart'], ko: ['재부팅', '재시작'] },
  invoke: {
    en: ['invoke', 'invoking', 'call', 'trigger', 'test it', 'run it'],
    ko: ['호출', '실행', '트리거'],
  },
  send: { en: ['send', 'sending', 'enqueue', 'produce'], ko: ['전송', '보내', '발송'] },
  receive: { en: ['receive', 'consume', 'poll', 'dequeue'], ko: ['수신', '받', '소비'] },
  publish: { en: ['publish', 'publishing', 'notify'], ko: ['게시', '발행'] },
  subscribe: { en: ['subscribe', 'subscription'], ko: ['구독'] },
  pull: { en: ['pull', 'pulls', 'pulling', 'docker pull'], ko: ['풀', '당겨', '내려받'] },
  push: { en: ['push', 'pushes', 'pushing', 'docker push'], ko: ['푸시'] },
  upload: { en: ['upload', 'uploads', 'uploading'], ko: ['업로드', '올리'] },
  download: { en: ['download', 'downloads', 'downloading'], ko: ['다운로드', '내려받'] },
  query: { en: ['query', 'queries', 'querying', 'search logs'], ko: ['쿼리', '질의'] },
  decrypt: { en: ['decrypt', 'decryption'], ko: ['복호화'] },
  encrypt: { en: ['encrypt', 'encryption'], ko: ['암호화'] },
  execute: { en: ['execute', 'run', 'runs', 'start execution'], ko: ['실행'] },
  admin: {
    en: [
      'admin',
      'administrator',
      'full access',
      'full admin',
      'all permissions',
      'root access',
      'everything',
      'superuser',
      'power user',
      'poweruser',
    ],
    ko: ['관리자 권한', '어드민', '모든 권한', '전체 권한', '최고 권한', '루트 권한', '풀 권한'],
  },
  passrole: {
    en: ['pass any role', 'pass role', 'passrole', 'pass a role', 'pass roles'],
    ko: ['역할 전달', '롤 전달', 'passrole'],
  },
  create: { en: ['create', 'creates', 'creating', 'provision', 'make new'], ko: ['생성', '만들'] },
};

/** Words that mean reading only when nothing more specific is asked ("see the list of buckets"). */
export const WEAK_READ_WORDS = {
  en: ['view', 'see', 'look at', 'check', 'describe', 'monitor'],
  ko: ['보고', '보기', '볼 수', '확인', '가져오', '검색'],
};

/** Words that narrow a request ("only", "read-only"), which keep companions out. */
export const ONLY_WORDS = {
  en: ['only', 'just', 'read-only', 'readonly'],
  ko: ['만 ', '만하', '만 하', '전용'],
};

/**
 * Service-specific meanings of intents, where the generic reading by access level or action-name
 * verb would be wrong or incomplete. Actions are the service's own names.
 */
export const CAPABILITIES: Readonly<Record<string, Partial<Record<Intent, readonly string[]>>>> = {
  ecr: {
    pull: ['BatchGetImage', 'GetDownloadUrlForLayer', 'BatchCheckLayerAvailability', 'GetAuthorizationToken'],
    push: [
      'GetAuthorizationToken',
      'BatchCheckLayerAvailability',
      'InitiateLayerUpload',
      'UploadLayerPart',
      'CompleteLayerUpload',
      'PutImage',
    ],
  },
  s3: {
    upload: ['PutObject'],
    download: ['GetObject'],
    write: ['PutObject'],
    delete: ['DeleteObject'],
  },
  sqs: {
    send: ['SendMessage', 'GetQueueUrl', 'GetQueueAttributes'],
    receive: [
      'ReceiveMessage',
      'DeleteMessage',
      'ChangeMessageVisibility',
      'GetQueueUrl',
      'GetQueueAttributes',
    ],
  },
  sns: { publish: ['Publish'], send: ['Publish'], subscribe: ['Subscribe'] },
  lambda: { invoke: ['InvokeFunction'], execute: ['InvokeFunction'] },
  states: { execute: ['StartExecution', 'DescribeExecution'], start: ['StartExecution'] },
  logs: {
    read: [
      'FilterLogEvents',
      'GetLogEvents',
      'DescribeLogStreams',
      'StartQuery',
      'GetQueryResults',
      'StopQuery',
    ],
    query: ['StartQuery', 'GetQueryResults', 'StopQuery'],
  },
  kms: { decrypt: ['Decrypt'], encrypt: ['Encrypt', 'GenerateDataKey'] },
  dynamodb: { query: ['Query'] },
  athena: { query: ['StartQueryExecution', 'GetQueryExecution', 'GetQueryResults', 'StopQueryExecution'] },
};

/**
 * The extra read actions a service's console needs for the page a person is testing on, beyond
 * the actions that do the work.
 */
export const CONSOLE_COMPANIONS: Readonly<Record<string, readonly string[]>> = {
  s3: ['ListAllMyBuckets', 'GetBucketLocation'],
  dynamodb: ['ListTables', 'DescribeTable'],
  lambda: ['ListFunctions', 'GetAccountSettings', 'GetFunction'],
  logs: ['DescribeLogGroups', 'DescribeLogStreams'],
  ec2: ['DescribeInstances', 'DescribeInstanceStatus'],
  sqs: ['ListQueues', 'GetQueueAttributes'],
  sns: ['ListTopics', 'GetTopicAttributes'],
  ecr: ['DescribeRepositories', 'DescribeImages'],
  ssm: ['DescribeParameters'],
  secretsmanager: ['ListSecrets', 'DescribeSecret'],
  translate: ['ListLanguages', 'ListTerminologies'],
  transcribe: ['ListTranscriptionJobs', 'ListVocabularies'],
  states: ['ListStateMachines', 'DescribeStateMachine'],
  kinesis: ['ListStreams', 'DescribeStreamSummary'],
};

/** Write actions that operate a resource rather than reshape it: what "use" and "test" need. */
export const OPERATE_VERBS = [
  'Start',
  'Stop',
  'Invoke',
  'Send',
  'Publish',
  'Translate',
  'Detect',
  'Synthesize',
  'Recognize',
  'Analyze',
  'Converse',
  'Retrieve',
  'Classify',
  'Transcribe',
];

/**
 * Korean nouns for what actions act on, as the English words of resource types and action names
 * (`알람` → alarm): a request in Korean names a service's kinds of resource as one in English does
 * (see withoutUnmentionedTypes in select.ts). Substrings: Korean attaches particles to nouns.
 */
export const TOPIC_WORDS_KO: Readonly<Record<string, readonly string[]>> = {
  메트릭: ['metric'],
  지표: ['metric'],
  대시보드: ['dashboard'],
  알람: ['alarm'],
  경보: ['alarm'],
  로그: ['log'],
  인스턴스: ['instance'],
  스냅샷: ['snapshot'],
  이미지: ['image'],
  볼륨: ['volume'],
  파라미터: ['parameter'],
  매개변수: ['parameter'],
  시크릿: ['secret'],
  비밀: ['secret'],
  테이블: ['table'],
  항목: ['item'],
  아이템: ['item'],
  버킷: ['bucket'],
  객체: ['object'],
  오브젝트: ['object'],
  파일: ['object'],
  큐: ['queue'],
  대기열: ['queue'],
  메시지: ['message'],
  토픽: ['topic'],
  함수: ['function'],
  클러스터: ['cluster'],
  태스크: ['task'],
  리포지토리: ['repository'],
  레포지토리: ['repository'],
  저장소: ['repository'],
  스택: ['stack'],
  스트림: ['stream'],
  이벤트: ['event'],
  쿼리: ['query'],
  결과: ['result'],
  작업그룹: ['work', 'group'],
  '작업 그룹': ['work', 'group'],
  워크그룹: ['work', 'group'],
  서브넷: ['subnet'],
  '보안 그룹': ['security', 'group'],
  보안그룹: ['security', 'group'],
  엔드포인트: ['endpoint'],
  인증서: ['certificate'],
  도메인: ['domain'],
  레코드: ['record'],
  사용자: ['user'],
  역할: ['role'],
  그룹: ['group'],
};
