"""Simplified-Chinese test text written in traditional characters, as pages from Taiwan and
Hong Kong write it: the importer's tests run each Chinese wording in both scripts.

The table is typed here on its own, simplified to traditional, not taken from the
importer's (bot.pages_zh folds traditional to simplified): a character the importer's
table lacks makes the traditional run of a test fail.
"""

from __future__ import annotations

# Every character of the importer's vocabulary that traditional pages write otherwise, and
# those of the tests' own names and sentences.
_PAIRS = (
    "与與 专專 为為 举舉 于於 仅僅 们們 会會 传傳 体體 关關 内內 凭憑 办辦 动動 华華 协協 参參 "
    "发發 号號 员員 国國 场場 声聲 处處 学學 宾賓 对對 导導 将將 库庫 开開 录錄 总總 报報 担擔 "
    "数數 时時 汉漢 满滿 点點 现現 简簡 系係 级級 线線 绍紹 经經 结結 络絡 绝絕 网網 罗羅 联聯 "
    "观觀 讨討 议議 讲講 论論 评評 译譯 话話 语語 说說 请請 谈談 谢謝 进進 长長 闭閉 间間 韩韓 "
    "项項 须須 顾顧 顿頓 题題 额額 鲜鮮 两兩 周週 这這 个個 礼禮 后後 钟鐘 头頭 兰蘭 复復 拟擬 "
    "确確 视視 认認 连連 频頻 鲁魯 辞辭 无無 没沒 设設 备備 双雙 采採 别別 届屆 获獲 奖獎 签簽 "
    "组組 坛壇 术術 预預 综綜 纪紀 递遞 侧側 实實 记記 还還 计計 划劃 圆圓 顺順 门門 词詞 "
    "页頁 图圖 摄攝 来來 编編 辑輯 责責 审審 条條 则則 闻聞 师師 监監 书書 单單 欢歡 领領 贵貴 "
    "团團 队隊 轮輪 亲親 属屬 赛賽 里裡 东東 纽紐 约約 标標 准準 旧舊 矶磯 尔爾 湾灣 伦倫 "
    "台臺 调調 荐薦 热熱 资資 讯訊 阅閱 读讀 态態 写寫 温溫 买買 达達 马馬 广廣 苏蘇 "
    "浏瀏 览覽 击擊 访訪 "
    # the tests' names and sentences
    "赵趙 弹彈 区區 慑懾 响響 欧歐 阳陽 随隨 问問 当當 陈陳 远遠 刘劉 轩軒 军軍 战戰 稳穩")
TRADITIONAL = {pair[0]: pair[1] for pair in _PAIRS.split()}
# The rest of the vocabulary's characters: written alike in both scripts.
ALIKE = frozenset(
    "民昨夜深利功召落丨知述通速一七三上下不中主九也了事二五交享京人介他以任伯位作使俄停像全八公六出分到前副加北十午半博取"
    "及受口另同名和嘉四回地址基士外大她媒定家容局展已席年府座影待德心意成我截所拉持授探提摘播"
    "放政教文斯日早明是晚景智曾替月朝期本束析核概次止此步法注活流海演牙班理用由盛目直研程究美"
    "翻者背至英行表西要言路道邀部重金阿限院需音高零刻星拜天今凌晨傍整小之佛先卡司哈在女布方旦清特生旨致置未供安配有排其最然首代休各合宴幕息歇答茶餐告裁董更新亦仍均都等做"
    "你剪右左念您拍撰校源片留的稿站章篇式秘第翌隔迎共助去委自起夫太丈妻手子入始比集登量"
    "世令哥坡塞夏威尼山巴平敦杉林柏格治洋洛洲港界芝香黎伸喜多它官延彩往推猜相精近廿卅"
    # cities /manage timezone knows by name
    "南吉圳墨孟州市志悉曼杜杭梨武河波津澳瓦科胡莫谷迪隆雅雪")


def traditional(text: str) -> str:
    return text.translate(str.maketrans(TRADITIONAL))
