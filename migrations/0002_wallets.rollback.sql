DROP TABLE wallets;
