// Probe outputs captured from MariaDB 10.11.19 (Debian 12) on the lab hosts, by running the modules'
// probes over the project's ssh connection with sudo. They feed the table tests of the mysql modules.

/** Password of e2e_app in USER_EXISTING. */
export const PASSWORD_2 = "second-Pass_2";
/** Replication password stored in REPLICA_RUNNING / REPLICA_STOPPED. */
export const REPL_PASSWORD = "repl-rotated-2";

/** mysql_user probe, account e2e_app@10.77.0.% (password PASSWORD_2 below) with SELECT, UPDATE on deploy_e2e.* */
export const USER_EXISTING = "#deploy:server\t10.11.19-MariaDB-0+deb12u1-log\n#deploy:account\tmysql_native_password\t2A36363133304133443745363131383339463643324431383646464533463846343330363235363938\n#deploy:client-exit\t0\n#deploy:grant\tGRANT USAGE ON *.* TO `e2e_app`@`10.77.0.%` IDENTIFIED BY PASSWORD '*66130A3D7E611839F6C2D186FFE3F8F430625698'\n#deploy:grant\tGRANT SELECT, UPDATE ON `deploy_e2e`.* TO `e2e_app`@`10.77.0.%`\n";

/** mysql_user probe, account we'ird`u\ser@10.77.0.% (password 'secret'), global + db grants with grant option */
export const USER_HOSTILE = "#deploy:server\t10.11.19-MariaDB-0+deb12u1-log\n#deploy:account\tmysql_native_password\t2A31344536353536374142444235313335443043464439413730423330333243313739413439454537\n#deploy:client-exit\t0\n#deploy:grant\tGRANT SELECT, RELOAD, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `we'ird``u\\\\ser`@`10.77.0.%` IDENTIFIED BY PASSWORD '*14E65567ABDB5135D0CFD9A70B3032C179A49EE7'\n#deploy:grant\tGRANT ALL PRIVILEGES ON `no``tes`.* TO `we'ird``u\\\\ser`@`10.77.0.%` WITH GRANT OPTION\n";

/** mysql_user probe, account that does not exist */
export const USER_MISSING = "#deploy:server\t10.11.19-MariaDB-0+deb12u1-log\n#deploy:client-exit\t0\n";

/** mysql_user probe, Debian's root@localhost (unix_socket OR invalid native password), PROXY grant */
export const USER_ROOT = "#deploy:server\t10.11.19-MariaDB-0+deb12u1-log\n#deploy:account\tmysql_native_password\t696E76616C6964\n#deploy:client-exit\t0\n#deploy:grant\tGRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` IDENTIFIED VIA mysql_native_password USING 'invalid' OR unix_socket WITH GRANT OPTION\n#deploy:grant\tGRANT PROXY ON ``@`%` TO `root`@`localhost` WITH GRANT OPTION\n";

/** mysql_user probe, root@localhost as the mysql role leaves it: unix_socket OR the password 'rotated-root-3' */
export const USER_ROOT_SOCKET_AND_PASSWORD = "#deploy:server\t10.11.19-MariaDB-0+deb12u1-log\n#deploy:account\tmysql_native_password\t2A33413746343343333631393135423534394536433741314246443136344139393838323544393937\n#deploy:client-exit\t0\n#deploy:grant\tGRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` IDENTIFIED VIA unix_socket OR mysql_native_password USING '*3A7F43C361915B549E6C7A1BFD164A998825D997' WITH GRANT OPTION\n#deploy:grant\tGRANT PROXY ON ``@`%` TO `root`@`localhost` WITH GRANT OPTION\n";

/** mysql_user probe, root@localhost after a plain IDENTIFIED BY (password 'rotated-root-3' only, no socket login) */
export const USER_ROOT_PASSWORD_ONLY = "#deploy:server\t10.11.19-MariaDB-0+deb12u1-log\n#deploy:account\tmysql_native_password\t2A33413746343343333631393135423534394536433741314246443136344139393838323544393937\n#deploy:client-exit\t0\n#deploy:grant\tGRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` IDENTIFIED BY PASSWORD '*3A7F43C361915B549E6C7A1BFD164A998825D997' WITH GRANT OPTION\n#deploy:grant\tGRANT PROXY ON ``@`%` TO `root`@`localhost` WITH GRANT OPTION\n";

/** mysql_user probe with except_hosts: every host of the user 'notes' */
export const USER_HOSTS = "#deploy:server\t10.11.19-MariaDB-0+deb12u1-log\n#deploy:host\t10.77.38.11\n#deploy:host\t10.77.38.12\n#deploy:host\t10.77.38.14\n#deploy:host\t10.77.38.%\n#deploy:host\tlocalhost\n#deploy:host\t%\n#deploy:host\tweb-09.example\n#deploy:host\tfd00::14\n#deploy:host\t10.0.0.0/255.255.255.0\n#deploy:client-exit\t0\n";

/** any probe on a host without a client */
export const NO_CLIENT = "#deploy:no-client\n";

/** mysql_db probe, database deploy_e2e (utf8mb4/utf8mb4_bin) with schema notes.sql recorded */
export const DB_EXISTING = "#deploy:server\t10.11.19-MariaDB-0+deb12u1-log\n#deploy:database\tutf8mb4\tutf8mb4_bin\n#deploy:marker-table\tdeploy_schema\n#deploy:client-exit\t0\n#deploy:schema\tnotes.sql\t430b57a04429d9326aeacb973038547ab7968255efa17f80f6b48f08ab48294f\n";

/** mysql_db probe, database that does not exist */
export const DB_MISSING = "#deploy:server\t10.11.19-MariaDB-0+deb12u1-log\n#deploy:client-exit\t0\n";

/** mysql_db probe, existing database without the deploy_schema table */
export const DB_NO_MARKER = "#deploy:server\t10.11.19-MariaDB-0+deb12u1-log\n#deploy:database\tutf8mb4\tutf8mb4_general_ci\n#deploy:client-exit\t0\n";

/** mysql_replication probe, server that replicates from nobody */
export const REPLICA_UNCONFIGURED = "#deploy:server\t10.11.19-MariaDB-0+deb12u1-log\n#deploy:vars\t12\t0\n#deploy:client-exit\t0\n#deploy:status-begin\n#deploy:status-end\n";

/** mysql_replication probe, replicating from 10.77.0.13:3306 as e2e_repl, password REPL_PASSWORD */
export const REPLICA_RUNNING = "#deploy:server\t10.11.19-MariaDB-0+deb12u1-log\n#deploy:vars\t12\t0\n#deploy:client-exit\t0\n#deploy:status-begin\nSlave_IO_State\tMaster_Host\tMaster_User\tMaster_Port\tConnect_Retry\tMaster_Log_File\tRead_Master_Log_Pos\tRelay_Log_File\tRelay_Log_Pos\tRelay_Master_Log_File\tSlave_IO_Running\tSlave_SQL_Running\tReplicate_Do_DB\tReplicate_Ignore_DB\tReplicate_Do_Table\tReplicate_Ignore_Table\tReplicate_Wild_Do_Table\tReplicate_Wild_Ignore_Table\tLast_Errno\tLast_Error\tSkip_Counter\tExec_Master_Log_Pos\tRelay_Log_Space\tUntil_Condition\tUntil_Log_File\tUntil_Log_Pos\tMaster_SSL_Allowed\tMaster_SSL_CA_File\tMaster_SSL_CA_Path\tMaster_SSL_Cert\tMaster_SSL_Cipher\tMaster_SSL_Key\tSeconds_Behind_Master\tMaster_SSL_Verify_Server_Cert\tLast_IO_Errno\tLast_IO_Error\tLast_SQL_Errno\tLast_SQL_Error\tReplicate_Ignore_Server_Ids\tMaster_Server_Id\tMaster_SSL_Crl\tMaster_SSL_Crlpath\tUsing_Gtid\tGtid_IO_Pos\tReplicate_Do_Domain_Ids\tReplicate_Ignore_Domain_Ids\tParallel_Mode\tSQL_Delay\tSQL_Remaining_Delay\tSlave_SQL_Running_State\tSlave_DDL_Groups\tSlave_Non_Transactional_Groups\tSlave_Transactional_Groups\tReplicate_Rewrite_DB\nWaiting for master to send event\t10.77.0.13\te2e_repl\t3306\t10\tmysql-bin.000001\t5064\tmysqld-relay-bin.000002\t1275\tmysql-bin.000001\tYes\tYes\t\t\t\t\t\t\t0\t\t0\t5064\t1585\tNone\t\t0\tNo\t\t\t\t\t\t0\tNo\t0\t\t0\t\t\t13\t\t\tSlave_Pos\t0-13-22\t\t\toptimistic\t0\tNULL\tSlave has read all relay log; waiting for more updates\t3\t0\t4\t\n#deploy:status-end\n#deploy:password-sha256\t59bc8f1f663ca044162c79a3eafc19bfd9870cfa5c2c430254c2959c05a78429\n";

/** mysql_replication probe, same after STOP SLAVE */
export const REPLICA_STOPPED = "#deploy:server\t10.11.19-MariaDB-0+deb12u1-log\n#deploy:vars\t12\t0\n#deploy:client-exit\t0\n#deploy:status-begin\nSlave_IO_State\tMaster_Host\tMaster_User\tMaster_Port\tConnect_Retry\tMaster_Log_File\tRead_Master_Log_Pos\tRelay_Log_File\tRelay_Log_Pos\tRelay_Master_Log_File\tSlave_IO_Running\tSlave_SQL_Running\tReplicate_Do_DB\tReplicate_Ignore_DB\tReplicate_Do_Table\tReplicate_Ignore_Table\tReplicate_Wild_Do_Table\tReplicate_Wild_Ignore_Table\tLast_Errno\tLast_Error\tSkip_Counter\tExec_Master_Log_Pos\tRelay_Log_Space\tUntil_Condition\tUntil_Log_File\tUntil_Log_Pos\tMaster_SSL_Allowed\tMaster_SSL_CA_File\tMaster_SSL_CA_Path\tMaster_SSL_Cert\tMaster_SSL_Cipher\tMaster_SSL_Key\tSeconds_Behind_Master\tMaster_SSL_Verify_Server_Cert\tLast_IO_Errno\tLast_IO_Error\tLast_SQL_Errno\tLast_SQL_Error\tReplicate_Ignore_Server_Ids\tMaster_Server_Id\tMaster_SSL_Crl\tMaster_SSL_Crlpath\tUsing_Gtid\tGtid_IO_Pos\tReplicate_Do_Domain_Ids\tReplicate_Ignore_Domain_Ids\tParallel_Mode\tSQL_Delay\tSQL_Remaining_Delay\tSlave_SQL_Running_State\tSlave_DDL_Groups\tSlave_Non_Transactional_Groups\tSlave_Transactional_Groups\tReplicate_Rewrite_DB\n\t10.77.0.13\te2e_repl\t3306\t10\tmysql-bin.000001\t5064\tmysqld-relay-bin.000002\t1275\tmysql-bin.000001\tNo\tNo\t\t\t\t\t\t\t0\t\t0\t5064\t1585\tNone\t\t0\tNo\t\t\t\t\t\tNULL\tNo\t0\t\t0\t\t\t13\t\t\tSlave_Pos\t0-13-22\t\t\toptimistic\t0\tNULL\t\t3\t0\t4\t\n#deploy:status-end\n#deploy:password-sha256\t59bc8f1f663ca044162c79a3eafc19bfd9870cfa5c2c430254c2959c05a78429\n";

/** mysql_replication probe, restarted with a wrong password: IO thread Connecting, access denied */
export const REPLICA_BAD_PASSWORD = "#deploy:server\t10.11.19-MariaDB-0+deb12u1-log\n#deploy:vars\t12\t0\n#deploy:client-exit\t0\n#deploy:status-begin\nSlave_IO_State\tMaster_Host\tMaster_User\tMaster_Port\tConnect_Retry\tMaster_Log_File\tRead_Master_Log_Pos\tRelay_Log_File\tRelay_Log_Pos\tRelay_Master_Log_File\tSlave_IO_Running\tSlave_SQL_Running\tReplicate_Do_DB\tReplicate_Ignore_DB\tReplicate_Do_Table\tReplicate_Ignore_Table\tReplicate_Wild_Do_Table\tReplicate_Wild_Ignore_Table\tLast_Errno\tLast_Error\tSkip_Counter\tExec_Master_Log_Pos\tRelay_Log_Space\tUntil_Condition\tUntil_Log_File\tUntil_Log_Pos\tMaster_SSL_Allowed\tMaster_SSL_CA_File\tMaster_SSL_CA_Path\tMaster_SSL_Cert\tMaster_SSL_Cipher\tMaster_SSL_Key\tSeconds_Behind_Master\tMaster_SSL_Verify_Server_Cert\tLast_IO_Errno\tLast_IO_Error\tLast_SQL_Errno\tLast_SQL_Error\tReplicate_Ignore_Server_Ids\tMaster_Server_Id\tMaster_SSL_Crl\tMaster_SSL_Crlpath\tUsing_Gtid\tGtid_IO_Pos\tReplicate_Do_Domain_Ids\tReplicate_Ignore_Domain_Ids\tParallel_Mode\tSQL_Delay\tSQL_Remaining_Delay\tSlave_SQL_Running_State\tSlave_DDL_Groups\tSlave_Non_Transactional_Groups\tSlave_Transactional_Groups\tReplicate_Rewrite_DB\nConnecting to master\t10.77.0.13\te2e_repl\t3306\t10\tmysql-bin.000001\t5064\tmysqld-relay-bin.000001\t4\tmysql-bin.000001\tConnecting\tYes\t\t\t\t\t\t\t0\t\t0\t5064\t256\tNone\t\t0\tNo\t\t\t\t\t\tNULL\tNo\t1045\terror connecting to master 'e2e_repl@10.77.0.13:3306' - retry-time: 10  maximum-retries: 100000  message: Access denied for user 'e2e_repl'@'web-02' (using password: YES)\t0\t\t\t13\t\t\tSlave_Pos\t0-13-22\t\t\toptimistic\t0\tNULL\tSlave has read all relay log; waiting for more updates\t3\t0\t4\t\n#deploy:status-end\n#deploy:password-sha256\t8810ad581e59f2bc3928b261707a71308f7e139eb04820366dc4d5c18d980225\n";

/** any probe while the server is stopped */
export const SERVER_DOWN = "ERROR 2002 (HY000): Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)\n#deploy:client-exit\t1\n";
